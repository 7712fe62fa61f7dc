import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlatterError, isPlatterError } from '../../../electron/engine/errors';
import { vhdChecksum } from '../../../electron/engine/formats/vhd/checksum';
import {
  CREATOR_HOST_WINDOWS,
  FEATURES_RESERVED,
  FOOTER_COOKIE,
  FOOTER_SIZE,
  FORMAT_VERSION,
  hasFooterCookie,
  hostOsName,
  parseFooter,
  printableFourCC,
  serializeFooter,
} from '../../../electron/engine/formats/vhd/footer';
import type { DiskType, Footer } from '../../../electron/engine/formats/vhd/footer';
import { diskTypeOf, fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';

const sample: Footer = {
  features: FEATURES_RESERVED,
  formatVersion: FORMAT_VERSION,
  dataOffset: 512,
  timestamp: 638382991,
  creatorApp: 'win ',
  creatorVersion: 0x000a0000,
  creatorHostOs: CREATOR_HOST_WINDOWS,
  originalSize: 10 * 1024 * 1024,
  currentSize: 10 * 1024 * 1024,
  geometry: { cylinders: 301, heads: 4, sectorsPerTrack: 17 },
  diskType: 'dynamic',
  checksum: 0,
  uuid: '4b6a0d04-f946-d74e-836f-d3dc87e1816b',
  savedState: false,
};

/** Serializes `footer`, lets `edit` change raw fields, and recomputes the checksum unless told not to. */
function footerBytes(footer: Footer, edit: (dv: DataView, bytes: Uint8Array) => void, fixChecksum = true): Uint8Array {
  const bytes = serializeFooter(footer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  edit(dv, bytes);
  if (fixChecksum) dv.setUint32(64, vhdChecksum(bytes, 64));
  return bytes;
}

function parseError(bytes: Uint8Array): PlatterError {
  try {
    parseFooter(bytes);
  } catch (err) {
    if (err instanceof PlatterError) return err;
    throw err;
  }
  throw new Error('parseFooter accepted the bytes');
}

describe('serializeFooter', () => {
  it('lays out every field big-endian at its offset', () => {
    const bytes = serializeFooter(sample);
    const b = Buffer.from(bytes);
    expect(bytes.length).toBe(FOOTER_SIZE);
    expect(b.toString('latin1', 0, 8)).toBe('conectix');
    expect(b.readUInt32BE(8)).toBe(2);
    expect(b.readUInt32BE(12)).toBe(0x00010000);
    expect(b.readBigUInt64BE(16)).toBe(512n);
    expect(b.readUInt32BE(24)).toBe(638382991);
    expect(b.toString('latin1', 28, 32)).toBe('win ');
    expect(b.readUInt32BE(32)).toBe(0x000a0000);
    expect(b.toString('latin1', 36, 40)).toBe('Wi2k');
    expect(b.readBigUInt64BE(40)).toBe(10485760n);
    expect(b.readBigUInt64BE(48)).toBe(10485760n);
    expect(b.readUInt16BE(56)).toBe(301);
    expect(b[58]).toBe(4);
    expect(b[59]).toBe(17);
    expect(b.readUInt32BE(60)).toBe(3);
    expect(b.toString('hex', 68, 84)).toBe('4b6a0d04f946d74e836fd3dc87e1816b');
    expect(b[84]).toBe(0);
    expect(bytes.subarray(85).every((x) => x === 0)).toBe(true);
  });

  it('computes the checksum, ignoring the footer’s own checksum field', () => {
    const bytes = serializeFooter({ ...sample, checksum: 0x12345678 });
    expect(Buffer.from(bytes).readUInt32BE(64)).toBe(vhdChecksum(bytes, 64));
    expect(parseFooter(bytes).checksumValid).toBe(true);
  });

  it('writes all 64 bits of the data offset as ones for a fixed disk', () => {
    const bytes = serializeFooter({ ...sample, diskType: 'fixed', dataOffset: null });
    expect(Buffer.from(bytes).readBigUInt64BE(16)).toBe(2n ** 64n - 1n);
  });

  it.each([
    ['fixed', 2],
    ['dynamic', 3],
    ['differencing', 4],
  ] as const)('writes disk type %s as %d', (diskType: DiskType, code) => {
    expect(Buffer.from(serializeFooter({ ...sample, diskType })).readUInt32BE(60)).toBe(code);
  });

  it('writes saved state as 1', () => {
    expect(serializeFooter({ ...sample, savedState: true })[84]).toBe(1);
  });

  it('refuses a malformed UUID', () => {
    expect(() => serializeFooter({ ...sample, uuid: 'nope' })).toThrow(RangeError);
  });
});

describe('parseFooter', () => {
  it('reads back what serializeFooter wrote', () => {
    const { footer, checksumValid } = parseFooter(serializeFooter(sample));
    expect(checksumValid).toBe(true);
    expect(footer).toEqual({ ...sample, checksum: vhdChecksum(serializeFooter(sample), 64) });
  });

  it('reads a footer inside a larger buffer (a subarray at an offset)', () => {
    const file = new Uint8Array(4096);
    file.set(serializeFooter(sample), 4096 - 512);
    const { footer, checksumValid } = parseFooter(file.subarray(4096 - 512));
    expect(checksumValid).toBe(true);
    expect(footer.uuid).toBe(sample.uuid);
  });

  it('reports a checksum mismatch without refusing the footer', () => {
    const bytes = footerBytes(sample, (_dv, b) => void (b[100] = 1), false);
    const parsed = parseFooter(bytes);
    expect(parsed.checksumValid).toBe(false);
    expect(parsed.footer.currentSize).toBe(sample.currentSize);
  });

  it('gives a fixed disk no data offset, whatever the field holds', () => {
    const fixed = { ...sample, diskType: 'fixed' as const, dataOffset: null };
    expect(parseFooter(serializeFooter(fixed)).footer.dataOffset).toBeNull();
    // Some tools write only 32 ones.
    const bytes = footerBytes(fixed, (dv) => dv.setBigUint64(16, 0xffffffffn));
    expect(parseFooter(bytes).footer.dataOffset).toBeNull();
  });

  it('clamps an impossibly large original size (informative only) instead of refusing', () => {
    const bytes = footerBytes(sample, (dv) => dv.setBigUint64(40, 2n ** 64n - 1n));
    expect(parseFooter(bytes).footer.originalSize).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads the largest safe current size', () => {
    const bytes = footerBytes(sample, (dv) => dv.setBigUint64(48, BigInt(Number.MAX_SAFE_INTEGER)));
    expect(parseFooter(bytes).footer.currentSize).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads any nonzero saved-state byte as saved', () => {
    expect(parseFooter(footerBytes(sample, (_dv, b) => void (b[84] = 0x80))).footer.savedState).toBe(true);
  });

  it('ignores bytes after the first 512', () => {
    const bytes = new Uint8Array(1024).fill(0xee);
    bytes.set(serializeFooter(sample));
    expect(parseFooter(bytes).checksumValid).toBe(true);
  });

  describe('refuses', () => {
    it.each([0, 8, 511])('a %d-byte buffer', (length) => {
      const err = parseError(serializeFooter(sample).subarray(0, length));
      expect(err.code).toBe('VHD_BAD_FOOTER');
      expect(err.message).toContain(`${length} bytes`);
    });

    it.each(['conectiX', 'cxsparse', '\0\0\0\0\0\0\0\0', 'CONECTIX'])('the cookie %j', (cookie) => {
      const err = parseError(footerBytes(sample, (_dv, b) => b.set(Buffer.from(cookie, 'latin1'), 0)));
      expect(err.code).toBe('VHD_BAD_FOOTER');
      expect(err.message).toContain('conectix');
    });

    it.each([0, 1, 5, 6, 0xffffffff, 0x02000000])('disk type %d', (code) => {
      const err = parseError(footerBytes(sample, (dv) => dv.setUint32(60, code)));
      expect(err.code).toBe('VHD_BAD_FOOTER');
      expect(err.message).toContain(`disk type ${code}`);
    });

    it.each([BigInt(Number.MAX_SAFE_INTEGER) + 1n, 2n ** 63n, 2n ** 64n - 1n])('a current size of %d', (size) => {
      const err = parseError(footerBytes(sample, (dv) => dv.setBigUint64(48, size)));
      expect(err.code).toBe('VHD_BAD_FOOTER');
      expect(err.message).toContain('impossibly large');
    });

    it.each(['dynamic', 'differencing'] as const)('a %s disk whose header offset is out of range', (diskType) => {
      const err = parseError(footerBytes({ ...sample, diskType }, (dv) => dv.setBigUint64(16, 2n ** 64n - 1n)));
      expect(err.code).toBe('VHD_BAD_FOOTER');
      expect(err.message).toContain('offset');
    });

    it('with a remedy for the user', () => {
      expect(parseError(new Uint8Array(512)).remedy).toBeTruthy();
    });
  });
});

describe('hasFooterCookie', () => {
  it('tests the first eight bytes only', () => {
    expect(hasFooterCookie(Buffer.from(FOOTER_COOKIE, 'latin1'))).toBe(true);
    expect(hasFooterCookie(serializeFooter(sample))).toBe(true);
    expect(hasFooterCookie(Buffer.from('conecti', 'latin1'))).toBe(false);
    expect(hasFooterCookie(new Uint8Array(512))).toBe(false);
    expect(hasFooterCookie(new Uint8Array(0))).toBe(false);
  });
});

describe('printableFourCC and hostOsName', () => {
  it('show printable codes as they are and control bytes as \\xNN', () => {
    expect(printableFourCC('win ')).toBe('win ');
    expect(printableFourCC('*img')).toBe('*img');
    expect(printableFourCC('tap\0')).toBe('tap\\x00');
    expect(printableFourCC('\x7f\x80ab')).toBe('\\x7f\\x80ab');
  });

  it('name host OS codes', () => {
    expect(hostOsName(0x5769326b)).toBe('Wi2k');
    expect(hostOsName(0x4d616320)).toBe('Mac ');
    expect(hostOsName(0x46425344)).toBe('FBSD');
    expect(hostOsName(0)).toBe('\\x00\\x00\\x00\\x00');
  });
});

// --- property tests ---------------------------------------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const fourCC = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  minLength: 4,
  maxLength: 4,
});
const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});
const validFooter: fc.Arbitrary<Footer> = fc
  .record({
    features: u32,
    formatVersion: u32,
    dataOffset: fc.maxSafeNat(),
    timestamp: u32,
    creatorApp: fourCC,
    creatorVersion: u32,
    creatorHostOs: u32,
    originalSize: fc.maxSafeNat(),
    currentSize: fc.maxSafeNat(),
    geometry: fc.record({
      cylinders: fc.integer({ min: 0, max: 0xffff }),
      heads: fc.integer({ min: 0, max: 0xff }),
      sectorsPerTrack: fc.integer({ min: 0, max: 0xff }),
    }),
    diskType: fc.constantFrom<DiskType>('fixed', 'dynamic', 'differencing'),
    checksum: u32,
    uuid,
    savedState: fc.boolean(),
  })
  .map((f) => (f.diskType === 'fixed' ? { ...f, dataOffset: null } : f));

describe('footer properties', () => {
  it('parse(serialize(footer)) is the footer, with its checksum computed', () => {
    fc.assert(
      fc.property(validFooter, (footer) => {
        const bytes = serializeFooter(footer);
        const parsed = parseFooter(bytes);
        expect(parsed.checksumValid).toBe(true);
        expect(parsed.footer).toEqual({ ...footer, checksum: vhdChecksum(bytes, 64) });
        expect(serializeFooter(parsed.footer)).toEqual(bytes);
      }),
    );
  });

  it('parse throws only PlatterError (VHD_BAD_FOOTER) or RangeError on arbitrary 512 bytes', () => {
    // Most inputs get the cookie and a plausible disk type so that parsing goes past the first checks.
    const input = fc
      .tuple(fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.boolean(), fc.integer({ min: -1, max: 6 }))
      .map(([bytes, cookie, type]) => {
        if (cookie) bytes.set(Buffer.from(FOOTER_COOKIE, 'latin1'), 0);
        if (type >= 0) new DataView(bytes.buffer).setUint32(60, type);
        return bytes;
      });
    fc.assert(
      fc.property(input, (bytes) => {
        const copy = Uint8Array.from(bytes);
        try {
          const { footer } = parseFooter(bytes);
          expect(['fixed', 'dynamic', 'differencing']).toContain(footer.diskType);
          expect(Number.isSafeInteger(footer.currentSize)).toBe(true);
          expect(Number.isSafeInteger(footer.originalSize)).toBe(true);
          // Every field it read is written back where it was found; an original size past 2^53 - 1 (which no
          // disk has, and which only informs) is read, and so written, as 2^53 - 1.
          const again = serializeFooter(footer);
          const clampedOriginal = footer.originalSize === Number.MAX_SAFE_INTEGER;
          const kept = (i: number) =>
            i !== 84 &&
            !(i >= 64 && i < 68) &&
            !(footer.dataOffset === null && i >= 16 && i < 24) &&
            !(clampedOriginal && i >= 40 && i < 48);
          for (let i = 0; i < 85; i++) if (kept(i)) expect(again[i]).toBe(bytes[i]);
        } catch (err) {
          if (!(err instanceof RangeError) && !isPlatterError(err, 'VHD_BAD_FOOTER')) throw err;
        }
        expect(bytes).toEqual(copy);
      }),
    );
  });

  it('parse throws only PlatterError or RangeError on buffers of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        try {
          parseFooter(bytes);
        } catch (err) {
          if (!(err instanceof RangeError) && !(err instanceof PlatterError)) throw err;
        }
      }),
    );
  });
});

describe.skipIf(!fixturesAvailable)('footers of real images', () => {
  const vhds = manifest().filter((e) => e.format === 'vhd');

  it.each(vhds.map((e) => [e.file, e] as const))('%s: parses, and serializes back byte for byte', (file, entry) => {
    const bytes = readFileSync(fixturePath(file));
    const raw = bytes.subarray(bytes.length - 512);
    const { footer, checksumValid } = parseFooter(raw);
    expect(checksumValid).toBe(true);
    expect(footer.diskType).toBe(diskTypeOf(entry));
    if (entry.creatorApp) {
      expect(entry.creatorApp).toContain(`'${printableFourCC(footer.creatorApp)}'`);
      expect(entry.creatorApp).toContain(`'${hostOsName(footer.creatorHostOs)}'`);
    }
    expect(Buffer.from(serializeFooter(footer)).equals(raw)).toBe(true);
    if (footer.diskType !== 'fixed') {
      expect(footer.dataOffset).toBe(512);
      expect(Buffer.from(bytes.subarray(0, 512)).equals(raw)).toBe(true);
    }
  });

  it('the Hyper-V fixed image: every field', () => {
    const bytes = readFileSync(fixturePath('vhd/hyperv-fixed-10m.vhd'));
    expect(parseFooter(bytes.subarray(bytes.length - 512)).footer).toEqual({
      features: 2,
      formatVersion: 0x00010000,
      dataOffset: null,
      timestamp: 638382933,
      creatorApp: 'win ',
      creatorVersion: 0x000a0000,
      creatorHostOs: 0x5769326b,
      originalSize: 10485760,
      currentSize: 10485760,
      geometry: { cylinders: 301, heads: 4, sectorsPerTrack: 17 },
      diskType: 'fixed',
      checksum: bytes.readUInt32BE(bytes.length - 512 + 64),
      uuid: 'b895e418-3894-e744-9a88-9a420be4e5ca',
      savedState: false,
    });
  });

  it('the edited original-size fixture: original and current size differ', () => {
    const bytes = readFileSync(fixturePath('vhd/original-size-mismatch.vhd'));
    const { footer } = parseFooter(bytes.subarray(bytes.length - 512));
    expect(footer.originalSize).toBe(1061888);
    expect(footer.currentSize).toBe(2123776);
  });

  it('a byte flipped in a real footer breaks only the checksum', () => {
    const bytes = readFileSync(fixturePath('vhd/virtualbox-fixed-y.vhd'));
    const raw = Uint8Array.from(bytes.subarray(bytes.length - 512));
    raw[300] = raw[300]! ^ 0xff;
    expect(parseFooter(raw).checksumValid).toBe(false);
  });
});
