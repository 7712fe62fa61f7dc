// Conversions killed: the source never changes, the output is absent or complete and valid.
import { join } from 'node:path';
import { sha256File, writeRaw } from '../../helpers/data';
import { KiB, MiB, vhdFrom } from './build';
import type { KillRow } from './harness';
import { outputRow } from './row-kinds';

export const CONVERT_ROWS: readonly KillRow[] = [
  outputRow('convert raw to VHD', 8, async (dir) => {
    const source = join(dir, 'disk.img');
    await writeRaw(source, 8 * MiB, [
      [0, 300 * KiB],
      [2 * MiB + 4 * KiB, MiB],
      [6 * MiB, 100 * KiB],
    ]);
    const output = join(dir, 'out.vhd');
    return {
      source,
      output,
      args: ['convert', source, output, '--quiet'],
      expected: await sha256File(source),
      keep: [],
    };
  }),

  outputRow('convert VHD to raw', 3, async (dir) => {
    const pieces: [number, number][] = [
      [MiB, 2 * MiB],
      [5 * MiB, 300 * KiB],
    ];
    const { raw, path } = await vhdFrom(dir, 8 * MiB, pieces, { blockSize: 512 * KiB });
    const output = join(dir, 'out.img');
    const args = ['convert', path, output, '--quiet'];
    return { source: path, output, args, expected: await sha256File(raw), keep: [raw] };
  }),

  outputRow('convert raw to OVA', 4, async (dir) => {
    const source = join(dir, 'disk.img');
    await writeRaw(source, 8 * MiB, [
      [0, 200 * KiB],
      [3 * MiB, MiB],
    ]);
    const output = join(dir, 'out.ova');
    return {
      source,
      output,
      args: ['convert', source, output, '--quiet'],
      expected: await sha256File(source),
      keep: [],
    };
  }),
];
