import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlatterError, isPlatterError } from '../../../electron/engine/errors';
import { vhdChecksum } from '../../../electron/engine/formats/vhd/checksum';
import {
  DEFAULT_BLOCK_SIZE,
  DYNAMIC_HEADER_COOKIE,
  DYNAMIC_HEADER_SIZE,
  HEADER_VERSION,
  MAX_BLOCK_SIZE,
  MIN_CREATE_BLOCK_SIZE,
  MIN_READ_BLOCK_SIZE,
  parseDynamicHeader,
  serializeDynamicHeader,
} from '../../../electron/engine/formats/vhd/dynamic-header';
import type { DynamicHeader } from '../../../electron/engine/formats/vhd/dynamic-header';
import { NIL_UUID } from '../../../electron/engine/formats/fields';
import { PLATFORM } from '../../../electron/engine/formats/vhd/parent-locator';
import type { LocatorEntry } from '../../../electron/engine/formats/vhd/parent-locator';
import { fixturePath, fixturesAvailable } from '../../helpers/fixtures';

const EMPTY_LOCATOR: LocatorEntry = { platformCode: 0, dataSpace: 0, dataLength: 0, dataOffset: 0 };

const sample: DynamicHeader = {
  tableOffset: 1536,
  headerVersion: HEADER_VERSION,
  maxTableEntries: 5,
  blockSize: DEFAULT_BLOCK_SIZE,
  checksum: 0,
  parentUuid: NIL_UUID,
  parentTimestamp: 0,
  parentName: '',
  locators: Array.from({ length: 8 }, () => EMPTY_LOCATOR),
};

const child: DynamicHeader = {
  ...sample,
  parentUuid: '5fa21a55-f394-aa4d-9958-1951a67d5540',
  parentTimestamp: 655986000,
  parentName: 'C:\\Disks\\base.vhd',
  locators: [
    { platformCode: PLATFORM.W2ku, dataSpace: 512, dataLength: 36, dataOffset: 3584 },
    { platformCode: PLATFORM.W2ru, dataSpace: 1, dataLength: 24, dataOffset: 4096 },
    ...Array.from({ length: 6 }, () => EMPTY_LOCATOR),
  ],
};

function headerBytes(header: DynamicHeader, edit: (dv: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = serializeDynamicHeader(header);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  edit(dv, bytes);
  dv.setUint32(36, vhdChecksum(bytes, 36));
  return bytes;
}

function parseError(bytes: Uint8Array): PlatterError {
  try {
    parseDynamicHeader(bytes);
  } catch (err) {
    if (err instanceof PlatterError) return err;
    throw err;
  }
  throw new Error('parseDynamicHeader accepted the bytes');
}

describe('serializeDynamicHeader', () => {
  it('lays out every field big-endian at its offset', () => {
    const b = Buffer.from(serializeDynamicHeader(child));
    expect(b.length).toBe(DYNAMIC_HEADER_SIZE);
    expect(b.toString('latin1', 0, 8)).toBe(DYNAMIC_HEADER_COOKIE);
    expect(b.readBigUInt64BE(8)).toBe(2n ** 64n - 1n);
    expect(b.readBigUInt64BE(16)).toBe(1536n);
    expect(b.readUInt32BE(24)).toBe(0x00010000);
    expect(b.readUInt32BE(28)).toBe(5);
    expect(b.readUInt32BE(32)).toBe(2 * 1024 * 1024);
    expect(b.readUInt32BE(36)).toBe(vhdChecksum(b, 36));
    expect(b.toString('hex', 40, 56)).toBe('5fa21a55f394aa4d99581951a67d5540');
    expect(b.readUInt32BE(56)).toBe(655986000);
    expect(b.readUInt32BE(60)).toBe(0);
    expect(b.readUInt32BE(576)).toBe(0x57326b75);
    expect(b.readUInt32BE(580)).toBe(512);
    expect(b.readUInt32BE(584)).toBe(36);
    expect(b.readBigUInt64BE(592)).toBe(3584n);
    expect(b.readUInt32BE(600)).toBe(0x57327275);
    expect(b.subarray(768).every((x) => x === 0)).toBe(true);
  });

  it('stores the parent name as UTF-16 big-endian, NUL-padded', () => {
    const b = Buffer.from(serializeDynamicHeader({ ...sample, parentName: 'Aé€𝄞' }));
    // 'A' U+0041, 'é' U+00E9, '€' U+20AC, '𝄞' U+1D11E as the surrogate pair D834 DD1E.
    expect(b.toString('hex', 64, 64 + 10)).toBe('004100e920acd834dd1e');
    expect(b.subarray(64 + 10, 576).every((x) => x === 0)).toBe(true);
  });

  it('accepts a parent name of exactly 256 UTF-16 units and refuses 257', () => {
    const name = 'x'.repeat(256);
    expect(parseDynamicHeader(serializeDynamicHeader({ ...sample, parentName: name })).header.parentName).toBe(name);
    expect(() => serializeDynamicHeader({ ...sample, parentName: name + 'y' })).toThrow(RangeError);
    expect(() => serializeDynamicHeader({ ...sample, parentName: '𝄞'.repeat(129) })).toThrow(RangeError);
  });

  it('fills unused locator slots with zeros when given fewer than eight', () => {
    const bytes = serializeDynamicHeader({ ...sample, locators: [child.locators[0]!] });
    const parsed = parseDynamicHeader(bytes).header;
    expect(parsed.locators).toHaveLength(8);
    expect(parsed.locators[0]).toEqual(child.locators[0]);
    expect(parsed.locators.slice(1)).toEqual(Array.from({ length: 7 }, () => EMPTY_LOCATOR));
  });

  it('ignores the header’s own checksum field', () => {
    const a = serializeDynamicHeader({ ...child, checksum: 1 });
    const b = serializeDynamicHeader({ ...child, checksum: 0xdeadbeef });
    expect(a).toEqual(b);
  });
});

describe('parseDynamicHeader', () => {
  it('reads back what serializeDynamicHeader wrote', () => {
    const bytes = serializeDynamicHeader(child);
    const parsed = parseDynamicHeader(bytes);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.header).toEqual({ ...child, checksum: vhdChecksum(bytes, 36) });
  });

  it('decodes a UTF-16 big-endian parent name up to its first NUL', () => {
    const bytes = headerBytes(sample, (_dv, b) => {
      b.set(Buffer.from('00660069006c0065002e00760068006400000041', 'hex'), 64); // "file.vhd" NUL "A"
    });
    expect(parseDynamicHeader(bytes).header.parentName).toBe('file.vhd');
  });

  it('decodes characters outside the BMP', () => {
    const bytes = headerBytes(sample, (_dv, b) => b.set(Buffer.from('d834dd1e00e9', 'hex'), 64));
    expect(parseDynamicHeader(bytes).header.parentName).toBe('𝄞é');
  });

  it('does not change the bytes it reads (the name is swapped in a copy)', () => {
    const bytes = serializeDynamicHeader(child);
    const copy = Uint8Array.from(bytes);
    parseDynamicHeader(bytes);
    parseDynamicHeader(bytes);
    expect(bytes).toEqual(copy);
  });

  it('reports a checksum mismatch without refusing the header', () => {
    const bytes = serializeDynamicHeader(child);
    bytes[900] = 1;
    const parsed = parseDynamicHeader(bytes);
    expect(parsed.checksumValid).toBe(false);
    expect(parsed.header.parentName).toBe(child.parentName);
  });

  it('reads a header at an offset inside a larger buffer', () => {
    const file = new Uint8Array(4096);
    file.set(serializeDynamicHeader(child), 512);
    const parsed = parseDynamicHeader(file.subarray(512, 1536));
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.header.parentUuid).toBe(child.parentUuid);
  });

  it.each([MIN_READ_BLOCK_SIZE, 4096, MIN_CREATE_BLOCK_SIZE, DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE])(
    'accepts a block size of %d',
    (blockSize) => {
      expect(parseDynamicHeader(serializeDynamicHeader({ ...sample, blockSize })).header.blockSize).toBe(blockSize);
    },
  );

  it('accepts the largest safe table offset', () => {
    const bytes = headerBytes(sample, (dv) => dv.setBigUint64(16, BigInt(Number.MAX_SAFE_INTEGER)));
    expect(parseDynamicHeader(bytes).header.tableOffset).toBe(Number.MAX_SAFE_INTEGER);
  });

  describe('refuses', () => {
    it.each([0, 512, 1023])('a %d-byte buffer', (length) => {
      expect(parseError(serializeDynamicHeader(sample).subarray(0, length)).code).toBe('VHD_BAD_HEADER');
    });

    it.each(['conectix', 'cxsparsE', '\0\0\0\0\0\0\0\0'])('the cookie %j', (cookie) => {
      const err = parseError(headerBytes(sample, (_dv, b) => b.set(Buffer.from(cookie, 'latin1'), 0)));
      expect(err.code).toBe('VHD_BAD_HEADER');
      expect(err.message).toContain('cxsparse');
    });

    it.each([BigInt(Number.MAX_SAFE_INTEGER) + 1n, 2n ** 64n - 1n])('a table offset of %d', (offset) => {
      const err = parseError(headerBytes(sample, (dv) => dv.setBigUint64(16, offset)));
      expect(err.code).toBe('VHD_BAD_HEADER');
    });

    it.each([
      ['zero', 0],
      ['not a power of two', 3 * 1024 * 1024],
      ['not a power of two (one more than 2 MiB)', 2 * 1024 * 1024 + 1],
      ['too small', 256],
      ['too small (1 byte)', 1],
      ['too large (512 MiB)', 512 * 1024 * 1024],
      ['too large (2 GiB)', 2 ** 31],
      ['all ones', 0xffffffff],
    ])('a block size that is %s', (_what, blockSize) => {
      const err = parseError(headerBytes(sample, (dv) => dv.setUint32(32, blockSize)));
      expect(err.code).toBe('VHD_BAD_BLOCK_SIZE');
      expect(err.message).toContain(String(blockSize));
      expect(err.remedy).toBeTruthy();
    });
  });
});

// --- property tests ---------------------------------------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});
const locator: fc.Arbitrary<LocatorEntry> = fc.record({
  platformCode: fc.oneof(fc.constantFrom(0, ...Object.values(PLATFORM)), u32),
  dataSpace: u32,
  dataLength: u32,
  dataOffset: fc.maxSafeNat(),
});
/** Names as stored: at most 256 UTF-16 units, no NUL (which ends the name). */
const parentName = fc
  .string({ unit: 'binary', maxLength: 256 })
  .filter((s) => !s.includes('\0') && Buffer.byteLength(s, 'utf16le') <= 512);
const validHeader: fc.Arbitrary<DynamicHeader> = fc.record({
  tableOffset: fc.maxSafeNat(),
  headerVersion: u32,
  maxTableEntries: u32,
  blockSize: fc.integer({ min: 9, max: 28 }).map((k) => 2 ** k),
  checksum: u32,
  parentUuid: uuid,
  parentTimestamp: u32,
  parentName,
  locators: fc.array(locator, { minLength: 8, maxLength: 8 }),
});

describe('dynamic header properties', () => {
  it('parse(serialize(header)) is the header, with its checksum computed', () => {
    fc.assert(
      fc.property(validHeader, (header) => {
        const bytes = serializeDynamicHeader(header);
        const parsed = parseDynamicHeader(bytes);
        expect(parsed.checksumValid).toBe(true);
        expect(parsed.header).toEqual({ ...header, checksum: vhdChecksum(bytes, 36) });
        expect(serializeDynamicHeader(parsed.header)).toEqual(bytes);
      }),
    );
  });

  it('parse throws only PlatterError or RangeError on arbitrary 1024 bytes', () => {
    const input = fc
      .tuple(
        fc.uint8Array({ minLength: 1024, maxLength: 1024 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }),
      )
      .map(([bytes, cookie, blockShift]) => {
        if (cookie) bytes.set(Buffer.from(DYNAMIC_HEADER_COOKIE, 'latin1'), 0);
        if (blockShift !== undefined) new DataView(bytes.buffer).setUint32(32, (2 ** blockShift) >>> 0);
        return bytes;
      });
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          const { header } = parseDynamicHeader(bytes);
          expect(header.blockSize).toBeGreaterThanOrEqual(MIN_READ_BLOCK_SIZE);
          expect(header.blockSize).toBeLessThanOrEqual(MAX_BLOCK_SIZE);
          expect(Number.isSafeInteger(header.tableOffset)).toBe(true);
          expect(header.locators).toHaveLength(8);
          expect(header.parentName).not.toContain('\0');
        } catch (err) {
          if (!(err instanceof RangeError) && !isPlatterError(err)) throw err;
          if (err instanceof PlatterError) expect(['VHD_BAD_HEADER', 'VHD_BAD_BLOCK_SIZE']).toContain(err.code);
        }
      }),
    );
  });

  it('parse throws only PlatterError or RangeError on buffers of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        try {
          parseDynamicHeader(bytes);
        } catch (err) {
          if (!(err instanceof RangeError) && !(err instanceof PlatterError)) throw err;
        }
      }),
    );
  });
});

describe.skipIf(!fixturesAvailable)('dynamic headers of real images', () => {
  const read = (file: string) => {
    const bytes = readFileSync(fixturePath(file));
    return { bytes, raw: bytes.subarray(512, 512 + DYNAMIC_HEADER_SIZE) };
  };

  it.each([
    ['vhd/hyperv-dynamic-10m.vhd', 1536, 5],
    ['vhd/mkimg-dynamic-gpt.vhd', 1536, 3],
    ['vhd/ocaml-empty-dynamic.vhd', 2048, 3],
    ['vhd/qemu-dynamic-ext2.vhd', 1536, 3],
    ['vhd/qemu-empty-dynamic.vhd', 1536, 1],
    ['vhd/original-size-mismatch.vhd', 1536, 2],
  ])('%s: table at %d with %d entries, serializes back byte for byte', (file, tableOffset, entries) => {
    const { raw } = read(file);
    const { header, checksumValid } = parseDynamicHeader(raw);
    expect(checksumValid).toBe(true);
    expect(header.tableOffset).toBe(tableOffset);
    expect(header.maxTableEntries).toBe(entries);
    expect(header.blockSize).toBe(DEFAULT_BLOCK_SIZE);
    expect(header.parentUuid).toBe(NIL_UUID);
    expect(header.parentName).toBe('');
    expect(header.locators.every((l) => l.platformCode === 0)).toBe(true);
    expect(Buffer.from(serializeDynamicHeader(header)).equals(raw)).toBe(true);
  });

  it('the Windows differencing child: parent UUID, UTF-16BE name and W2ku/W2ru locators', () => {
    const { raw } = read('vhd/windows-differencing-parent-missing.vhd');
    const { header, checksumValid } = parseDynamicHeader(raw);
    expect(checksumValid).toBe(true);
    expect(header.parentUuid).toBe('5fa21a55-f394-aa4d-9958-1951a67d5540');
    expect(header.parentName).toBe('C:\\Projects\\dfvfs\\test_data\\fat-parent.vhd');
    expect(header.locators.slice(0, 2)).toEqual([
      { platformCode: PLATFORM.W2ku, dataSpace: 4096, dataLength: 84, dataOffset: 4096 },
      { platformCode: PLATFORM.W2ru, dataSpace: 65536, dataLength: 32, dataOffset: 12288 },
    ]);
    expect(Buffer.from(serializeDynamicHeader(header)).equals(raw)).toBe(true);
  });
});
