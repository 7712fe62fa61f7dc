// Repairs a VHD in place: what `planRepair` decides, written under the undo journal (io/undo-journal.ts). The
// bytes about to be overwritten or cut off, and the file length, are saved beside the image and flushed before the
// first write; the journal goes once the image is flushed. Killed at any point, the image is as before or as after,
// or a journal remains, which the next open rolls back.
import { throwIfAborted } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import { changeUnderUndo } from '../../io/undo-journal';
import { problemList } from '../../ops/check-problems';
import { progressReporter } from '../../ops/progress';
import type { JobControl } from '../../ops/progress';
import type { RepairOutcome } from '../driver';
import { planRepair } from './repair-plan';
import type { RepairPlan } from './repair-plan';
import { checkVhd } from './vhd-check';

export async function repairVhd(file: RandomAccessFile, dryRun: boolean, control: JobControl): Promise<RepairOutcome> {
  const { add } = problemList();
  const plan = planRepair(await checkVhd(file, add));
  if (dryRun || plan.edits.length === 0) return { changes: plan.changes, changed: false };
  throwIfAborted(control.signal);
  await apply(file, plan, control);
  return { changes: plan.changes, changed: true };
}

/** Journal, write, cut, flush, drop the journal. Not cancellable half-way: the writes are few and small. */
async function apply(file: RandomAccessFile, plan: RepairPlan, control: JobControl): Promise<void> {
  const ranges: [number, number][] = plan.edits.map((e) => [e.offset, e.bytes.length]);
  if (plan.length !== null && plan.length < file.size) ranges.push([plan.length, file.size - plan.length]);
  const total = ranges.reduce((n, [, length]) => n + length, 0);
  const progress = progressReporter(control, 'repairing', total);
  await changeUnderUndo(file, 'repair', ranges, async () => {
    for (const edit of plan.edits) {
      await file.write(edit.bytes, edit.offset);
      progress.add(edit.bytes.length);
    }
    if (plan.length !== null) await file.truncate(plan.length);
  });
  progress.finish();
}
