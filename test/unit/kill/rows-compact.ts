// compact killed, of a dynamic disk and of a differencing child: the content never changes, only the layout.
import { compactImage } from '../../../electron/engine/ops/compact';
import { contentOf, KiB, MiB, parentAndChild, vhdFrom, writeInto } from './build';
import type { KillRow } from './harness';
import { inPlaceRow } from './row-kinds';

export const COMPACT_ROWS: readonly KillRow[] = [
  inPlaceRow('compact a dynamic disk', 10, async (dir) => {
    const { raw, path } = await vhdFrom(dir, 4 * MiB, [[0, 4 * MiB]], { blockSize: 512 * KiB });
    // Blocks 2, 3 and 5 hold only zeros now: compact drops them.
    await writeInto(
      path,
      [2, 3, 5].map((block) => [block * 512 * KiB, new Uint8Array(512 * KiB)]),
    );
    const expected = await contentOf(path);
    return {
      image: path,
      args: ['compact', path, '--quiet'],
      keep: [raw],
      rerun: () => compactImage({ path }),
      expected,
    };
  }),

  inPlaceRow('compact a differencing child', 10, async (dir) => {
    const { parent, child } = await parentAndChild(dir);
    // Block 5 reads zeros in the parent, and the child holds only zeros there: compact drops that block.
    await writeInto(child, [[5 * 512 * KiB, new Uint8Array(512 * KiB)]]);
    const expected = await contentOf(child);
    return {
      image: child,
      args: ['compact', child, '--quiet'],
      keep: [parent.raw, parent.path],
      rerun: () => compactImage({ path: child }),
      expected,
    };
  }),
];
