// check --repair killed: the damaged image stays as it was (each reader reads it as before), or is repaired.
import { writeFile } from 'node:fs/promises';
import { repairImage } from '../../../electron/engine/ops/repair';
import { seededBytes } from '../../helpers/data';
import { contentWith, layoutOf, patch, readBytes, setBatEntry } from '../check/damage';
import { KiB, MiB, vhdFrom } from './build';
import type { KillRow } from './harness';

const damaged = (row: KillRow): KillRow => ({ ...row, damaged: true });
import { inPlaceRow } from './row-kinds';

export const REPAIR_ROWS: readonly KillRow[] = [
  damaged(
    inPlaceRow('check --repair', 3, async (dir) => {
      const pieces = [0, 1, 3, 5, 7].map((b): [number, number] => [b * 512 * KiB, 500 * KiB]);
      const { raw, path } = await vhdFrom(dir, 4 * MiB, pieces, { blockSize: 512 * KiB });
      const layout = await layoutOf(path);
      await setBatEntry(path, layout, 3, layout.bat[1]!); // blocks 1 and 3 overlap: both dropped
      await patch(path, 512 + 900, Uint8Array.of(1)); // the header checksum no longer matches
      // An orphan block where the footer was, and the footer after it: the footer moves back, the block is cut off.
      const footer = await readBytes(path, 0, 512);
      await patch(path, layout.fileSize - 512, seededBytes('orphan', 512));
      await writeFile(path, Buffer.concat([seededBytes('orphan-rest', 512 * KiB), footer]), { flag: 'a' });
      const zeroed = [1, 3].map((b) => ({ start: b * 512 * KiB, end: (b + 1) * 512 * KiB }));
      return {
        image: path,
        args: ['check', '--repair', path, '--quiet'],
        keep: [raw],
        rerun: () => repairImage({ path }),
        expected: await contentWith(raw, zeroed),
      };
    }),
  ),
];
