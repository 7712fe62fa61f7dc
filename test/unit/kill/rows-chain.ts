// merge and set-parent killed: what the child, the parent and the chain through them read.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { setParent } from '../../../electron/engine/ops/set-parent';
import { contentOf, lookalike, parentAndChild } from './build';
import type { KillRow, KillSetup } from './harness';
import { exists } from './row-kinds';

export const CHAIN_ROWS: readonly KillRow[] = [
  {
    // The parent alone reads its old or its merged content; the child, while it is there, reads the merged one.
    name: 'merge',
    minKills: 5,
    async setup(dir): Promise<KillSetup> {
      const { parent, child } = await parentAndChild(dir);
      const merged = await contentOf(child);
      return {
        args: ['merge', child, '--quiet'],
        watched: [
          { path: parent.path, format: 'vhd' },
          { path: child, format: 'vhd' },
        ],
        sources: [],
        products: [parent.raw, parent.path, child],
        rerun: async () => void ((await exists(child)) && (await mergeImage({ child }))),
        expected: { [parent.path]: merged },
      };
    },
  },
  {
    // Re-pointed at a lookalike parent (same UUID, other data): the child reads through the old or the new one.
    name: 'set-parent',
    minKills: 3,
    async setup(dir): Promise<KillSetup> {
      const { parent, child } = await parentAndChild(dir);
      await mkdir(join(dir, 'moved'));
      const moved = join(dir, 'moved', 'renamed.vhd');
      await lookalike(parent.path, moved, 'lookalike');
      return {
        args: ['set-parent', child, moved],
        watched: [{ path: child, format: 'vhd' }],
        sources: [parent.path, moved],
        products: [parent.raw, parent.path, 'moved', child],
        rerun: async () => void (await setParent({ child, parent: moved })),
      };
    },
  },
];
