// resize killed: growing and shrinking a dynamic disk (in place, and rewritten where its table has no room) and
// a fixed one (under an undo journal: its only footer moves).
import { resizeImage } from '../../../electron/engine/ops/resize';
import { KiB, MiB, rawContentAt, vhdFrom, writeInto } from './build';
import type { KillRow } from './harness';
import { inPlaceRow } from './row-kinds';

type Pieces = [number, number][];

function resizeRow(
  name: string,
  minKills: number,
  from: { size: number; pieces: Pieces; type: 'fixed' | 'dynamic'; blockSize?: number },
  to: number,
  prepare: (path: string) => Promise<void> = async () => undefined,
): KillRow {
  return inPlaceRow(name, minKills, async (dir) => {
    const { raw, path } = await vhdFrom(dir, from.size, from.pieces, {
      type: from.type,
      ...(from.blockSize && { blockSize: from.blockSize }),
    });
    await prepare(path);
    return {
      image: path,
      args: ['resize', path, String(to), '--quiet'],
      keep: [raw],
      rerun: () => resizeImage({ path, size: to }),
      expected: await rawContentAt(raw, to),
    };
  });
}

const DATA: Pieces = [
  [0, 700 * KiB],
  [3 * MiB, 300 * KiB],
];

export const RESIZE_ROWS: readonly KillRow[] = [
  resizeRow('resize: grow a dynamic disk', 4, { size: 4 * MiB, pieces: DATA, type: 'dynamic' }, 8 * MiB),
  // An allocated block of zeros past the new end: shrinking reads it, finds nothing to lose, and drops it.
  resizeRow('resize: shrink a dynamic disk', 4, { size: 8 * MiB, pieces: DATA, type: 'dynamic' }, 4 * MiB, (path) =>
    writeInto(path, [[6 * MiB, new Uint8Array(2 * MiB)]]),
  ),
  // 512 KiB blocks: the table's padding holds 128 entries (64 MiB), so 72 MiB needs the image written anew.
  resizeRow(
    'resize: grow a dynamic disk past its table',
    8,
    { size: 4 * MiB, pieces: DATA, type: 'dynamic', blockSize: 512 * KiB },
    72 * MiB,
  ),
  resizeRow('resize: grow a fixed disk', 3, { size: 2 * MiB, pieces: [[0, 2 * MiB]], type: 'fixed' }, 3 * MiB),
  resizeRow('resize: shrink a fixed disk', 2, { size: 3 * MiB, pieces: [[0, 2 * MiB]], type: 'fixed' }, 2 * MiB),
];
