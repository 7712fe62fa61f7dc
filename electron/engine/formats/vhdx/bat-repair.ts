// `check --repair` of a VHDX whose BAT places payload blocks where they cannot be data (bat-faults.ts): each such
// block becomes "not present", read as zeros (or from the parent, for a child) as VHD repair drops such a block.
// The entries change through the log (log-update.ts), a batch of table pages per update, so a kill leaves each
// entry old or new and the run again finishes the job.
import type { RandomAccessFile } from '../../io/random-access-file';
import type { CheckProblem } from '../../ops/check-problems';
import type { RepairChange } from '../driver';
import { BAT_ENTRY_SIZE } from './bat';
import { scanVhdxBat } from './bat-faults';
import { LOG_SECTOR } from './log';
import { changeThroughLog, editWrites } from './log-update';
import type { ByteEdit } from './log-update';
import { withLogReplayed } from './replayed-source';
import { readVhdxMetadata } from './structure';

/** Block-table pages changed per logged update: well inside the 1 MiB log every VHDX has. */
const PAGES_PER_UPDATE = 64;
/** Dropped blocks described one by one; past this many, a count. */
const LISTED = 100;

/**
 * Drops the blocks to drop, when every problem `check` found is one dropping them fixes; the changes made (or
 * planned), or null when some problem is of another kind (nothing is changed then).
 */
export async function repairBat(
  file: RandomAccessFile,
  problems: readonly CheckProblem[],
  dryRun: boolean,
): Promise<RepairChange[] | null> {
  const view = await withLogReplayed(file);
  const part = await readVhdxMetadata(view);
  const scan = await scanVhdxBat(view, part);
  if (scan.droppable.size === 0 || scan.unfixable.length > 0) return null;
  const fixed = new Set<string>(['VHDX_BAT_OUT_OF_RANGE', 'VHDX_BAT_OVERLAP']);
  if (problems.some((p) => !fixed.has(p.code))) return null;
  const { blockSize, virtualSize, hasParent } = part.metadata;
  const reads = hasParent ? 'reads from the parent' : 'reads as zeros';
  const verb = dryRun ? 'would drop' : 'dropped';
  const blocks = [...scan.droppable.keys()].sort((a, b) => a - b);
  const changes: RepairChange[] = blocks.slice(0, LISTED).map((block) => {
    const start = block * blockSize;
    const end = Math.min(start + blockSize, virtualSize);
    const fault = scan.faults.find((f) => f.offset === scan.droppable.get(block));
    const why = fault?.message ?? 'another block shares its bytes';
    return {
      code: fault?.code ?? 'VHDX_BAT_OVERLAP',
      offset: scan.droppable.get(block)!,
      message: `${verb} block ${block} (${why}); virtual bytes ${start}-${end - 1} now ${reads}`,
      virtualRange: { start, end },
    };
  });
  if (blocks.length > LISTED)
    changes.push({
      code: 'VHDX_BAT_OVERLAP',
      offset: part.batRegion.fileOffset,
      message: `${verb} ${blocks.length - LISTED} more blocks (not listed); their ranges now ${reads}`,
    });
  if (dryRun) return changes;
  // In batches of table pages, each batch one logged update.
  let batch: ByteEdit[] = [];
  const pages = new Set<number>();
  const commit = async () => {
    // The DataWriteGuid is kept, as VHD repair keeps the UUID: children still open, reading the dropped range as
    // their parent now reads it.
    if (batch.length > 0) await changeThroughLog(file, { writes: await editWrites(file, batch), dataChanged: false });
    batch = [];
    pages.clear();
  };
  for (const block of blocks) {
    const offset = scan.droppable.get(block)!;
    pages.add(Math.floor(offset / LOG_SECTOR));
    batch.push({ offset, bytes: new Uint8Array(BAT_ENTRY_SIZE) });
    if (pages.size >= PAGES_PER_UPDATE) await commit();
  }
  await commit();
  return changes;
}
