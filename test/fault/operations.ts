// The operations the fault table fails: the kill test's rows (their setups and command lines), and compact with
// --output, which writes a new file and leaves its source alone.
import { join } from 'node:path';
import { KiB, MiB, contentOf, vhdFrom, writeInto } from '../unit/kill/build';
import { outputRow } from '../unit/kill/row-kinds';
import { CHAIN_ROWS } from '../unit/kill/rows-chain';
import { COMPACT_ROWS } from '../unit/kill/rows-compact';
import { CONVERT_ROWS } from '../unit/kill/rows-convert';
import { REPAIR_ROWS } from '../unit/kill/rows-repair';
import { RESIZE_ROWS } from '../unit/kill/rows-resize';
import type { KillRow } from '../unit/kill/harness';
import type { FaultOperation } from './fault-cases';

const compactToNewFile = outputRow('compact --output', 0, async (dir) => {
  const { raw, path } = await vhdFrom(dir, 4 * MiB, [[0, 4 * MiB]], { blockSize: 512 * KiB });
  await writeInto(path, [[MiB, new Uint8Array(MiB)]]);
  const output = join(dir, 'out.vhd');
  return {
    source: path,
    output,
    args: ['compact', path, '--output', output, '--quiet'],
    expected: await contentOf(path),
    keep: [raw],
  };
});

const op = (row: KillRow, inPlace: boolean): FaultOperation => ({ name: row.name, row, inPlace });

export const CONVERSIONS: readonly FaultOperation[] = [...CONVERT_ROWS, compactToNewFile].map((r) => op(r, false));
export const COMPACT_AND_RESIZE: readonly FaultOperation[] = [COMPACT_ROWS[0]!, ...RESIZE_ROWS].map((r) => op(r, true));
export const CHAIN_AND_REPAIR: readonly FaultOperation[] = [...CHAIN_ROWS, ...REPAIR_ROWS].map((r) => op(r, true));
