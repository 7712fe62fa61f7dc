// forEachDataRun: which runs of a chunk are written, at 4 KiB grains; zeros in between stay holes.
import { describe, expect, it } from 'vitest';
import { ZERO_GRAIN, forEachDataRun, isAllZero } from '../../../electron/engine/ops/content-pump';

async function runsOf(chunk: Uint8Array): Promise<[number, number][]> {
  const runs: [number, number][] = [];
  await forEachDataRun(chunk, 1000, (data, position) => {
    runs.push([position, data.length]);
    return Promise.resolve();
  });
  return runs;
}

describe('forEachDataRun', () => {
  it('emits nothing for zeros', async () => {
    expect(await runsOf(new Uint8Array(64 * 1024))).toEqual([]);
    expect(isAllZero(new Uint8Array(3 * 1024 * 1024 + 7))).toBe(true);
  });

  it('finds a byte anywhere in a grain: first, last, or only in the middle', async () => {
    const chunk = new Uint8Array(8 * ZERO_GRAIN);
    chunk[0] = 1; // grain 0, first byte
    chunk[3 * ZERO_GRAIN - 1] = 2; // grain 2, last byte
    chunk[5 * ZERO_GRAIN + 1234] = 3; // grain 5, neither end
    expect(await runsOf(chunk)).toEqual([
      [1000, ZERO_GRAIN],
      [1000 + 2 * ZERO_GRAIN, ZERO_GRAIN],
      [1000 + 5 * ZERO_GRAIN, ZERO_GRAIN],
    ]);
  });

  it('joins neighbouring data grains into one run and handles a short last grain', async () => {
    const chunk = new Uint8Array(3 * ZERO_GRAIN + 100).fill(9);
    chunk.fill(0, ZERO_GRAIN, 2 * ZERO_GRAIN);
    expect(await runsOf(chunk)).toEqual([
      [1000, ZERO_GRAIN],
      [1000 + 2 * ZERO_GRAIN, ZERO_GRAIN + 100],
    ]);
    expect(isAllZero(chunk)).toBe(false);
  });
});
