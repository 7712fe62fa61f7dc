import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitmapBytes, isSectorSet, sectorRuns, setSectors } from '../../../electron/engine/formats/vhd/bitmap';

describe('bitmapBytes', () => {
  it('is one bit per sector, padded to a whole sector', () => {
    expect(bitmapBytes(512)).toBe(512);
    expect(bitmapBytes(4096)).toBe(512);
    expect(bitmapBytes(512 * 1024)).toBe(512);
    expect(bitmapBytes(2 * 1024 * 1024)).toBe(512);
    expect(bitmapBytes(4 * 1024 * 1024)).toBe(1024);
    expect(bitmapBytes(256 * 1024 * 1024)).toBe(65536);
  });
});

describe('isSectorSet', () => {
  it('takes the most significant bit of byte 0 as sector 0', () => {
    const bitmap = Uint8Array.from([0b1000_0001, 0b0100_0000]);
    const set = Array.from({ length: 16 }, (_, s) => isSectorSet(bitmap, s));
    expect(set.flatMap((v, s) => (v ? [s] : []))).toEqual([0, 7, 9]);
  });
});

describe('setSectors', () => {
  it('sets a run across byte boundaries, keeping the other bits', () => {
    const bitmap = Uint8Array.from([0b0000_0001, 0, 0b1000_0000]);
    setSectors(bitmap, 3, 10);
    expect([...bitmap]).toEqual([0b0001_1111, 0b1111_1000, 0b1000_0000]);
  });

  it('sets nothing for a count of zero', () => {
    const bitmap = new Uint8Array(2);
    setSectors(bitmap, 5, 0);
    expect([...bitmap]).toEqual([0, 0]);
  });

  it('sets exactly the requested sectors and keeps every other bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.nat(), (initial, a, b) => {
        const bits = initial.length * 8;
        const first = a % bits;
        const count = b % (bits - first + 1);
        const bitmap = Uint8Array.from(initial);
        setSectors(bitmap, first, count);
        for (let s = 0; s < bits; s++) {
          const inRange = s >= first && s < first + count;
          expect(isSectorSet(bitmap, s)).toBe(inRange || isSectorSet(initial, s));
        }
      }),
    );
  });
});

describe('sectorRuns', () => {
  it('splits a range into runs of equal bits', () => {
    const bitmap = Uint8Array.from([0b1110_0000, 0xff, 0x00, 0b0000_0001]);
    expect(sectorRuns(bitmap, 0, 32)).toEqual([
      { first: 0, count: 3, set: true },
      { first: 3, count: 5, set: false },
      { first: 8, count: 8, set: true },
      { first: 16, count: 15, set: false },
      { first: 31, count: 1, set: true },
    ]);
  });

  it('starts and ends where asked, even inside a byte', () => {
    const bitmap = Uint8Array.from([0xff, 0xff, 0x00]);
    expect(sectorRuns(bitmap, 5, 14)).toEqual([
      { first: 5, count: 11, set: true },
      { first: 16, count: 3, set: false },
    ]);
  });

  it('gives one run for a uniform bitmap and none for an empty range', () => {
    expect(sectorRuns(new Uint8Array(512).fill(0xff), 0, 4096)).toEqual([{ first: 0, count: 4096, set: true }]);
    expect(sectorRuns(new Uint8Array(512), 0, 4096)).toEqual([{ first: 0, count: 4096, set: false }]);
    expect(sectorRuns(new Uint8Array(512), 100, 0)).toEqual([]);
  });

  it('covers exactly the requested range with alternating runs that match isSectorSet', () => {
    // Bitmaps biased towards whole 0x00/0xff bytes, so that the byte-at-a-time path is taken as well.
    const byte = fc.oneof(fc.constant(0), fc.constant(0xff), fc.integer({ min: 0, max: 255 }));
    const bitmap = fc.array(byte, { minLength: 1, maxLength: 80 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(bitmap, fc.nat(), fc.nat(), (bits, a, b) => {
        const total = bits.length * 8;
        const first = a % total;
        const count = b % (total - first + 1);
        const runs = sectorRuns(bits, first, count);
        let next = first;
        runs.forEach((run, i) => {
          expect(run.first).toBe(next);
          expect(run.count).toBeGreaterThan(0);
          if (i > 0) expect(run.set).toBe(!runs[i - 1]!.set);
          for (let s = run.first; s < run.first + run.count; s++) expect(isSectorSet(bits, s)).toBe(run.set);
          next = run.first + run.count;
        });
        expect(next).toBe(first + count);
        expect(runs.length === 0).toBe(count === 0);
      }),
    );
  });
});
