import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlatterError } from '../../../electron/engine/errors';
import { parseDynamicHeader } from '../../../electron/engine/formats/vhd/dynamic-header';
import {
  LOCATOR_COUNT,
  LOCATOR_ENTRY_SIZE,
  MAX_LOCATOR_BYTES,
  PLATFORM,
  decodeLocatorPath,
  encodeLocatorPath,
  locatorDataRange,
  locatorSpaceBytes,
  parseLocatorEntry,
  platformName,
  serializeLocatorEntry,
} from '../../../electron/engine/formats/vhd/parent-locator';
import type { LocatorEntry } from '../../../electron/engine/formats/vhd/parent-locator';
import { fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';

const entry = (e: Partial<LocatorEntry>): LocatorEntry => ({
  platformCode: PLATFORM.W2ku,
  dataSpace: 512,
  dataLength: 84,
  dataOffset: 4096,
  ...e,
});

function rangeError(e: LocatorEntry, fileSize: number): PlatterError {
  try {
    locatorDataRange(e, fileSize);
  } catch (err) {
    if (err instanceof PlatterError) return err;
    throw err;
  }
  throw new Error('locatorDataRange accepted the entry');
}

describe('platform codes', () => {
  it('are the specification’s four-character codes', () => {
    expect(LOCATOR_ENTRY_SIZE).toBe(24);
    expect(LOCATOR_COUNT).toBe(8);
    for (const [name, code] of Object.entries(PLATFORM)) {
      expect(platformName(code)).toBe(name === 'Mac' ? 'Mac ' : name);
    }
  });

  it('name unprintable codes in hex', () => {
    expect(platformName(0)).toBe('0x00000000');
    expect(platformName(0x01020304)).toBe('0x01020304');
    expect(platformName(0x5732ff75)).toBe('0x5732ff75');
  });
});

describe('locator entries', () => {
  it('serialize big-endian with the reserved field zeroed', () => {
    const bytes = new Uint8Array(LOCATOR_ENTRY_SIZE).fill(0xaa);
    serializeLocatorEntry(entry({ dataSpace: 4096, dataLength: 84, dataOffset: 0x1_0000_0200 }), bytes);
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '57326b75' + '00001000' + '00000054' + '00000000' + '0000000100000200',
    );
  });

  it('parse what was serialized', () => {
    const e = entry({ platformCode: PLATFORM.MacX, dataSpace: 1, dataLength: 40, dataOffset: 2 ** 40 });
    const bytes = new Uint8Array(LOCATOR_ENTRY_SIZE);
    serializeLocatorEntry(e, bytes);
    expect(parseLocatorEntry(bytes)).toEqual(e);
  });

  it('parse an entry inside a larger buffer and ignore its reserved field', () => {
    const bytes = new Uint8Array(100).fill(0x11);
    serializeLocatorEntry(entry({}), bytes.subarray(50, 74));
    bytes.fill(0xff, 62, 66);
    expect(parseLocatorEntry(bytes.subarray(50, 74))).toEqual(entry({}));
  });

  it('clamp an offset past the safe integers so that range checks refuse it', () => {
    const bytes = new Uint8Array(LOCATOR_ENTRY_SIZE);
    serializeLocatorEntry(entry({}), bytes);
    new DataView(bytes.buffer).setBigUint64(16, 2n ** 64n - 1n);
    const parsed = parseLocatorEntry(bytes);
    expect(parsed.dataOffset).toBe(Number.MAX_SAFE_INTEGER);
    expect(rangeError(parsed, 2 ** 40).code).toBe('VHD_BAD_LOCATOR');
  });

  it('throw RangeError for a short buffer', () => {
    expect(() => parseLocatorEntry(new Uint8Array(23))).toThrow(RangeError);
  });

  it('round-trip over arbitrary valid values', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const arb = fc.record({ platformCode: u32, dataSpace: u32, dataLength: u32, dataOffset: fc.maxSafeNat() });
    fc.assert(
      fc.property(arb, (e) => {
        const bytes = new Uint8Array(LOCATOR_ENTRY_SIZE).fill(0xff);
        serializeLocatorEntry(e, bytes);
        expect(bytes.subarray(12, 16).every((b) => b === 0)).toBe(true);
        expect(parseLocatorEntry(bytes)).toEqual(e);
      }),
    );
  });
});

describe('locatorSpaceBytes', () => {
  it('reads a value below 512 as sectors (the specification) and larger ones as bytes (Virtual PC, Hyper-V)', () => {
    expect(locatorSpaceBytes(entry({ dataSpace: 0 }))).toBe(0);
    expect(locatorSpaceBytes(entry({ dataSpace: 1 }))).toBe(512);
    expect(locatorSpaceBytes(entry({ dataSpace: 8 }))).toBe(4096);
    expect(locatorSpaceBytes(entry({ dataSpace: 511 }))).toBe(511 * 512);
    expect(locatorSpaceBytes(entry({ dataSpace: 512 }))).toBe(512);
    expect(locatorSpaceBytes(entry({ dataSpace: 65536 }))).toBe(65536);
  });
});

describe('locatorDataRange', () => {
  it('returns the offset and length of data inside the file', () => {
    expect(locatorDataRange(entry({}), 8192)).toEqual({ offset: 4096, length: 84 });
    // Data ending exactly at the end of the file.
    expect(locatorDataRange(entry({ dataOffset: 8192 - 84 }), 8192)).toEqual({ offset: 8108, length: 84 });
    expect(locatorDataRange(entry({ dataLength: MAX_LOCATOR_BYTES }), 1 << 20).length).toBe(MAX_LOCATOR_BYTES);
  });

  it('refuses data of length zero', () => {
    const err = rangeError(entry({ dataLength: 0 }), 8192);
    expect(err.code).toBe('VHD_BAD_LOCATOR');
    expect(err.message).toContain('W2ku');
    expect(err.message).toContain('length 0');
  });

  it('refuses data longer than a Windows path can be', () => {
    expect(rangeError(entry({ dataLength: MAX_LOCATOR_BYTES + 1 }), 2 ** 30).code).toBe('VHD_BAD_LOCATOR');
    expect(rangeError(entry({ dataLength: 0xffffffff }), 2 ** 40).code).toBe('VHD_BAD_LOCATOR');
  });

  it('refuses data that runs past the end of the file, naming the offset', () => {
    const err = rangeError(entry({ dataOffset: 8192 - 83 }), 8192);
    expect(err.code).toBe('VHD_BAD_LOCATOR');
    expect(err.message).toContain('past the end');
    expect(err.details.offset).toBe(8192 - 83);
    expect(rangeError(entry({ dataOffset: 1 << 20 }), 8192).code).toBe('VHD_BAD_LOCATOR');
  });

  it('names an unprintable platform code in hex', () => {
    expect(rangeError(entry({ platformCode: 1, dataLength: 0 }), 8192).message).toContain('0x00000001');
  });

  it('accepts exactly the ranges inside the file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 0, max: 2 ** 17 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        (dataOffset, dataLength, fileSize) => {
          const e = entry({ dataOffset, dataLength });
          const ok = dataLength > 0 && dataLength <= MAX_LOCATOR_BYTES && dataOffset + dataLength <= fileSize;
          if (ok) expect(locatorDataRange(e, fileSize)).toEqual({ offset: dataOffset, length: dataLength });
          else expect(rangeError(e, fileSize).code).toBe('VHD_BAD_LOCATOR');
        },
      ),
    );
  });
});

describe('decodeLocatorPath', () => {
  const utf16le = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));
  const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  it.each([PLATFORM.W2ru, PLATFORM.W2ku])('reads %d as UTF-16 little-endian', (code) => {
    expect(decodeLocatorPath(code, utf16le('C:\\Disks\\Bäse €.vhd'))).toBe('C:\\Disks\\Bäse €.vhd');
    expect(decodeLocatorPath(code, new Uint8Array([0x2e, 0x00, 0x5c, 0x00, 0x61, 0x00]))).toBe('.\\a');
  });

  it('stops a UTF-16LE path at its NUL terminator and its padding', () => {
    const data = new Uint8Array(512);
    data.set(utf16le('.\\base.vhd\0junk'));
    expect(decodeLocatorPath(PLATFORM.W2ru, data)).toBe('.\\base.vhd');
  });

  it('reads MacX as a file URL, undoing percent-encoding (UTF-8)', () => {
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('file:///Users/me/VMs/base.vhd'))).toBe('/Users/me/VMs/base.vhd');
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('file:///Users/me/My%20Disks/p%C3%A4rent%25.vhd'))).toBe(
      '/Users/me/My Disks/pärent%.vhd',
    );
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('file://localhost/Volumes/Data/base.vhd'))).toBe(
      '/Volumes/Data/base.vhd',
    );
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('FILE:///a.vhd\0\0\0'))).toBe('/a.vhd');
  });

  it('keeps a MacX path whose percent-encoding is broken as it is', () => {
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('file:///Users/me/100%.vhd'))).toBe('/Users/me/100%.vhd');
    expect(decodeLocatorPath(PLATFORM.MacX, utf8('file:///a%E9.vhd'))).toBe('/a%E9.vhd');
  });

  it('reads the deprecated Wi2r and Wi2k as single-byte text', () => {
    const data = new Uint8Array(Buffer.from('C:\\base.vhd\0\0', 'latin1'));
    expect(decodeLocatorPath(PLATFORM.Wi2k, data)).toBe('C:\\base.vhd');
    expect(decodeLocatorPath(PLATFORM.Wi2r, data)).toBe('C:\\base.vhd');
  });

  it('returns null for a Mac OS alias and unknown platforms', () => {
    expect(decodeLocatorPath(PLATFORM.Mac, utf8('alias blob'))).toBeNull();
    expect(decodeLocatorPath(0x12345678, utf8('x'))).toBeNull();
    expect(decodeLocatorPath(0, utf8('x'))).toBeNull();
  });
});

describe('encodeLocatorPath', () => {
  it('writes W2ku and W2ru as UTF-16 little-endian without a terminator', () => {
    expect(Buffer.from(encodeLocatorPath(PLATFORM.W2ru, '.\\a.vhd')).toString('hex')).toBe(
      '2e005c0061002e00760068006400',
    );
    expect(encodeLocatorPath(PLATFORM.W2ku, 'C:\\x').length).toBe(8);
  });

  it('writes MacX as a percent-encoded UTF-8 file URL', () => {
    expect(Buffer.from(encodeLocatorPath(PLATFORM.MacX, '/Users/me/My Disks/pärent%.vhd')).toString('utf8')).toBe(
      'file:///Users/me/My%20Disks/p%C3%A4rent%25.vhd',
    );
  });

  // Paths as they come from the file system: absolute, well-formed UTF-16, no NUL.
  const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !/[\0/]/.test(s));
  const posixPath = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => '/' + parts.join('/'));
  const windowsPath = fc
    .array(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\0')),
      { minLength: 1, maxLength: 6 },
    )
    .map((parts) => 'C:\\' + parts.join('\\'));

  it('round-trips through decodeLocatorPath: MacX file URLs', () => {
    fc.assert(
      fc.property(posixPath, (path) => {
        expect(decodeLocatorPath(PLATFORM.MacX, encodeLocatorPath(PLATFORM.MacX, path))).toBe(path);
      }),
    );
  });

  it('round-trips through decodeLocatorPath: W2ku and W2ru', () => {
    fc.assert(
      fc.property(windowsPath, fc.constantFrom(PLATFORM.W2ku, PLATFORM.W2ru), (path, code) => {
        expect(decodeLocatorPath(code, encodeLocatorPath(code, path))).toBe(path);
      }),
    );
  });
});

describe.skipIf(!fixturesAvailable)('locators of a real Windows differencing disk', () => {
  it('decode to the paths the manifest lists', () => {
    const file = 'vhd/windows-differencing-parent-missing.vhd';
    const bytes = readFileSync(fixturePath(file));
    const { header } = parseDynamicHeader(bytes.subarray(512, 1536));
    const expected = manifest().find((e) => e.file === file)?.parentLocators;
    const found: Record<string, string | null> = {};
    for (const l of header.locators.filter((x) => x.platformCode !== 0)) {
      const { offset, length } = locatorDataRange(l, bytes.length);
      found[platformName(l.platformCode)] = decodeLocatorPath(l.platformCode, bytes.subarray(offset, offset + length));
      // Windows records the data space in bytes: a sector-aligned area at least as long as the data.
      expect(locatorSpaceBytes(l) % 512).toBe(0);
      expect(locatorSpaceBytes(l)).toBeGreaterThanOrEqual(l.dataLength);
    }
    expect(found).toEqual(expected);
  });
});
