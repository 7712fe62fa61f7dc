import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNALLOCATED, batBytes, parseBat, serializeBat } from '../../../electron/engine/formats/vhd/bat';

describe('batBytes', () => {
  it('is four bytes per entry, padded to a whole sector', () => {
    expect(batBytes(0)).toBe(0);
    expect(batBytes(1)).toBe(512);
    expect(batBytes(128)).toBe(512);
    expect(batBytes(129)).toBe(1024);
    // A 2040 GiB disk of 2 MiB blocks.
    expect(batBytes(1044480)).toBe(4177920);
  });
});

describe('serializeBat', () => {
  it('writes big-endian sector offsets and pads with 0xFFFFFFFF to a sector', () => {
    const bytes = serializeBat(Uint32Array.from([3, 0x01020304, UNALLOCATED]));
    expect(bytes.length).toBe(512);
    expect(Buffer.from(bytes.subarray(0, 12)).toString('hex')).toBe('00000003' + '01020304' + 'ffffffff');
    expect(bytes.subarray(12).every((b) => b === 0xff)).toBe(true);
  });

  it('writes an empty table as nothing', () => {
    expect(serializeBat(new Uint32Array(0)).length).toBe(0);
  });

  it('writes a table that fills whole sectors without padding', () => {
    const table = new Uint32Array(256).map((_, i) => i);
    const bytes = serializeBat(table);
    expect(bytes.length).toBe(1024);
    expect(new DataView(bytes.buffer).getUint32(1020)).toBe(255);
  });
});

describe('parseBat', () => {
  it('reads big-endian sector offsets', () => {
    const bytes = Uint8Array.from([0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 1]);
    expect([...parseBat(bytes, 3)]).toEqual([3, UNALLOCATED, 0x80000001]);
  });

  it('reads only the entries asked for, ignoring the padding', () => {
    const bytes = serializeBat(Uint32Array.from([7, 8]));
    expect([...parseBat(bytes, 1)]).toEqual([7]);
    expect(parseBat(bytes, 0)).toHaveLength(0);
  });

  it('reads a table inside a larger buffer', () => {
    const file = new Uint8Array(2048);
    file.set(serializeBat(Uint32Array.from([0x11223344, 5])), 1536);
    expect([...parseBat(file.subarray(1536), 2)]).toEqual([0x11223344, 5]);
  });

  it('refuses a buffer shorter than the entries with a RangeError', () => {
    expect(() => parseBat(new Uint8Array(7), 2)).toThrow(RangeError);
    expect(() => parseBat(new Uint8Array(0), 1)).toThrow(/cut short/);
  });

  it('returns a copy, not a view of the buffer', () => {
    const bytes = serializeBat(Uint32Array.from([1]));
    const table = parseBat(bytes, 1);
    bytes.fill(0);
    expect(table[0]).toBe(1);
  });
});

describe('BAT properties', () => {
  const table = fc
    .array(fc.oneof(fc.constant(UNALLOCATED), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 600 })
    .map((a) => Uint32Array.from(a));

  it('parse(serialize(table)) is the table', () => {
    fc.assert(
      fc.property(table, (t) => {
        const bytes = serializeBat(t);
        expect(bytes.length).toBe(batBytes(t.length));
        expect(bytes.length % 512).toBe(0);
        expect(parseBat(bytes, t.length)).toEqual(t);
        expect(bytes.subarray(t.length * 4).every((b) => b === 0xff)).toBe(true);
      }),
    );
  });

  it('serialize(parse(bytes)) gives back the bytes of a padded table', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 2048 }), (sectors, seed) => {
        const bytes = new Uint8Array(sectors * 512).fill(0xff);
        const entries = Math.min(Math.floor(seed.length / 4), sectors * 128);
        bytes.set(seed.subarray(0, entries * 4));
        const padded = entries === 0 ? new Uint8Array(0) : bytes.subarray(0, batBytes(entries));
        expect(serializeBat(parseBat(bytes, entries))).toEqual(padded);
      }),
    );
  });
});
