import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NIL_UUID,
  NO_OFFSET,
  SECTOR,
  VHD_EPOCH_MS,
  VHD_MAX_SIZE,
  alignUp,
  ascii,
  ceilDiv,
  dateToVhdTime,
  isPowerOfTwo,
  putAscii,
  u64,
  uuidFromString,
  uuidToString,
  vhdTimeToDate,
  view,
} from '../../../electron/engine/formats/fields';

describe('constants', () => {
  it('match the specification', () => {
    expect(SECTOR).toBe(512);
    expect(VHD_MAX_SIZE).toBe(2040 * 1024 ** 3);
    expect(NO_OFFSET).toBe(2n ** 64n - 1n);
    expect(NIL_UUID).toBe('00000000-0000-0000-0000-000000000000');
    expect(new Date(VHD_EPOCH_MS).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(VHD_EPOCH_MS / 1000).toBe(946684800);
  });
});

describe('view', () => {
  it('sees only the bytes of a subarray, not the whole buffer', () => {
    const whole = new Uint8Array([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
    const dv = view(whole.subarray(4));
    expect(dv.byteLength).toBe(4);
    expect(dv.getUint32(0)).toBe(0x12345678);
  });
});

describe('u64', () => {
  it('reads big-endian 64-bit values that fit a safe integer', () => {
    const bytes = new Uint8Array(8);
    const dv = view(bytes);
    dv.setBigUint64(0, 0x0001_0203_0405_0607n);
    expect(u64(dv, 0)).toBe(0x0001_0203_0405_0607);
    dv.setBigUint64(0, BigInt(Number.MAX_SAFE_INTEGER));
    expect(u64(dv, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('returns null past the safe range, e.g. for the all-ones "no offset"', () => {
    const dv = view(new Uint8Array(8));
    dv.setBigUint64(0, BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    expect(u64(dv, 0)).toBeNull();
    dv.setBigUint64(0, NO_OFFSET);
    expect(u64(dv, 0)).toBeNull();
  });
});

describe('ascii and putAscii', () => {
  it('round-trip a four-character code', () => {
    const bytes = new Uint8Array(8);
    putAscii(bytes, 2, 'win ', 4);
    expect([...bytes]).toEqual([0, 0, 0x77, 0x69, 0x6e, 0x20, 0, 0]);
    expect(ascii(bytes, 2, 4)).toBe('win ');
  });

  it('pad a short text with NUL bytes and cut a long one', () => {
    const bytes = new Uint8Array(6).fill(0xaa);
    putAscii(bytes, 0, 'ab', 4);
    expect([...bytes]).toEqual([0x61, 0x62, 0, 0, 0xaa, 0xaa]);
    putAscii(bytes, 0, 'conectix', 4);
    expect(ascii(bytes, 0, 4)).toBe('cone');
    expect(bytes[4]).toBe(0xaa);
  });

  it('keep every byte value (Latin-1)', () => {
    const bytes = new Uint8Array([0x00, 0x7f, 0x80, 0xff]);
    expect(ascii(bytes, 0, 4)).toBe('\x00\x7f\x80\xff');
  });
});

describe('UUIDs', () => {
  it('format 16 bytes in the usual 8-4-4-4-12 lower-case form, in byte order', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    expect(uuidToString(bytes)).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it('parse with or without dashes and in either case', () => {
    const expected = [...Buffer.from('00112233445566778899aabbccddeeff', 'hex')];
    expect([...uuidFromString('00112233-4455-6677-8899-AABBCCDDEEFF')]).toEqual(expected);
    expect([...uuidFromString('00112233445566778899aabbccddeeff')]).toEqual(expected);
  });

  it.each(['', 'not-a-uuid', '00112233-4455-6677-8899-aabbccddeeff00', '00112233-4455-6677-8899-aabbccddeefg'])(
    'reject %j with a RangeError',
    (text) => {
      expect(() => uuidFromString(text)).toThrow(RangeError);
    },
  );

  it('round-trip any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = uuidToString(bytes);
        expect(text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect([...uuidFromString(text)]).toEqual([...bytes]);
      }),
    );
  });
});

describe('VHD timestamps', () => {
  it('count seconds from 2000-01-01T00:00:00Z', () => {
    expect(vhdTimeToDate(0).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(vhdTimeToDate(86400).toISOString()).toBe('2000-01-02T00:00:00.000Z');
    // The Hyper-V fixture's footer timestamp.
    expect(vhdTimeToDate(638382991).toISOString()).toBe('2020-03-24T16:36:31.000Z');
    expect(dateToVhdTime(new Date('2020-03-24T16:36:31.999Z'))).toBe(638382991);
  });

  it('clamp dates outside the 32-bit range', () => {
    expect(dateToVhdTime(new Date('1999-12-31T23:59:59Z'))).toBe(0);
    expect(dateToVhdTime(new Date('1970-01-01T00:00:00Z'))).toBe(0);
    expect(dateToVhdTime(new Date('2200-01-01T00:00:00Z'))).toBe(0xffffffff);
  });

  it('round-trip every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seconds) => {
        expect(dateToVhdTime(vhdTimeToDate(seconds))).toBe(seconds);
      }),
    );
  });
});

describe('isPowerOfTwo', () => {
  it.each([1, 2, 512, 4096, 2 ** 21, 2 ** 28, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 52])('accepts %d', (n) => {
    expect(isPowerOfTwo(n)).toBe(true);
  });

  it.each([0, -1, -2, 3, 6, 511, 513, 3 * 2 ** 20, 2 ** 21 + 1, 0.5, 1.5, NaN, Infinity, -Infinity])(
    'rejects %d',
    (n) => {
      expect(isPowerOfTwo(n)).toBe(false);
    },
  );

  // Bitwise operators truncate to 32 bits: these numbers look like powers of two to `n & (n - 1)`.
  it.each([3 * 2 ** 31, 3 * 2 ** 32, 5 * 2 ** 32, 2 ** 40 + 2 ** 31])('rejects %d above 32 bits', (n) => {
    expect(isPowerOfTwo(n)).toBe(false);
  });

  it('agrees with the definition over the safe integers', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(isPowerOfTwo(n)).toBe(n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), (k) => {
        expect(isPowerOfTwo(2 ** k)).toBe(true);
        if (k > 1) expect(isPowerOfTwo(2 ** k + 2 ** (k - 1))).toBe(false);
      }),
    );
  });
});

describe('ceilDiv and alignUp', () => {
  it('round up', () => {
    expect(ceilDiv(0, 512)).toBe(0);
    expect(ceilDiv(1, 512)).toBe(1);
    expect(ceilDiv(512, 512)).toBe(1);
    expect(ceilDiv(513, 512)).toBe(2);
    expect(alignUp(0, 512)).toBe(0);
    expect(alignUp(1, 512)).toBe(512);
    expect(alignUp(512, 512)).toBe(512);
    expect(alignUp(1025, 512)).toBe(1536);
  });
});
