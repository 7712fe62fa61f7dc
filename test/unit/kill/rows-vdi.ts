// compact of a VDI killed: qemu-img and Platter read the old content or the new one, alike (the new file replaces
// the old one in a single rename).
import { join } from 'node:path';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { writeRaw } from '../../helpers/data';
import { run } from '../../helpers/tools';
import { MiB } from './build';
import type { KillRow, KillSetup } from './harness';

export const VDI_ROWS: readonly KillRow[] = [
  {
    name: 'compact a dynamic VDI',
    minKills: 3,
    damaged: false,
    async setup(dir): Promise<KillSetup> {
      const raw = join(dir, 'disk.img');
      await writeRaw(raw, 24 * MiB, [
        [0, MiB],
        [9 * MiB, 3 * MiB],
        [20 * MiB, MiB],
      ]);
      const path = join(dir, 'disk.vdi');
      await convertImage({ input: raw, output: path });
      // Blocks of written zeros, for compact to drop.
      await run('qemu-io', ['-f', 'vdi', '-c', `write -P 0 ${4 * MiB} ${2 * MiB}`, path]);
      return {
        args: ['compact', path, '--quiet'],
        watched: [{ path, format: 'vdi' }],
        sources: [],
        products: [path, raw],
        rerun: async () => void (await compactImage({ path })),
      };
    },
  },
];
