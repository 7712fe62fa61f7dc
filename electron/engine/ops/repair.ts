import { resolve } from 'node:path';
import { PlatterError, throwIfAborted } from '../errors';
import { detectFormat } from '../image/open-image';
import { hasPendingJournal, journalPathFor } from '../image/pending-journal';
import { RandomAccessFile } from '../image/random-access-file';
import { checkImage, checkVhd } from './check';
import type { CheckReport } from './check';
import { problemList } from './check/problems';
import { checkDestination, removeStaleTemps } from './output-file';
import { progressReporter } from './progress';
import type { JobControl } from './progress';
import { planRepair } from './repair/plan';
import { pendingLog, replayLogIntoFile } from './repair/vhdx-log';
import type { RepairChange, RepairPlan } from './repair/plan';
import { changeUnderUndo, rollBack } from './undo-journal';

export type { RepairChange } from './repair/plan';

export interface RepairOptions {
  readonly path: string;
  /** Plan only: list the changes and write nothing. */
  readonly dryRun?: boolean;
}

export interface RepairResult {
  readonly path: string;
  readonly dryRun: boolean;
  /** An interrupted in-place change (repair, resize, merge) rolled back first, by its operation name; or null. */
  readonly rolledBack: string | null;
  /** The check before the repair (after any roll-back). */
  readonly before: CheckReport;
  readonly changes: readonly RepairChange[];
  /** The check after the repair (the same as `before` when nothing was changed); null for a dry run. */
  readonly after: CheckReport | null;
}

/**
 * Repairs a VHD in place: what `planRepair` decides, written under the undo journal of ops/undo-journal.ts. The
 * bytes about to be overwritten or cut off, and the file length, are saved beside the image and flushed before the
 * first write; the journal goes once the image is flushed. Killed at any point, the image is as before or as after,
 * or a journal remains: the reader then refuses the image, and the next `check --repair` rolls it back first.
 */
export async function repairImage(options: RepairOptions, control: JobControl = {}): Promise<RepairResult> {
  const path = resolve(options.path);
  const dryRun = options.dryRun ?? false;
  await (await RandomAccessFile.open(path)).close(); // a missing path, a folder or a FIFO fails here, plainly
  if (!dryRun) {
    await checkDestination(path, true); // the journal is written beside the image
    await removeStaleTemps(path);
    // A journal half-written when an in-place change was killed: the image was not touched yet.
    await removeStaleTemps(journalPathFor(path));
  }
  let rolledBack: string | null = null;
  if (await hasPendingJournal(path)) {
    if (dryRun) {
      const message = `would first roll back the interrupted change recorded in ${journalPathFor(path)}; repair without --dry-run, then check again`;
      const before = await checkImage(path);
      return {
        path,
        dryRun,
        rolledBack: null,
        before,
        changes: [{ code: 'INTERRUPTED', offset: 0, message }],
        after: null,
      };
    }
    rolledBack = (await rollBack(path)) ?? 'change';
  }
  const file = await RandomAccessFile.open(path, dryRun ? 'r' : 'r+');
  let plan: RepairPlan;
  let before: CheckReport;
  try {
    const format = await detectFormat(file);
    if (format === 'vhdx') {
      const replayed = await repairVhdxLog(file, path, dryRun);
      if (replayed) return { ...replayed, rolledBack };
      // Nothing to repair is an answer, not a refusal.
      const report = await checkImage(path);
      if (report.clean) return { path, dryRun, rolledBack, before: report, changes: [], after: dryRun ? null : report };
    }
    if (format !== 'vhd') {
      throw new PlatterError(
        'UNSUPPORTED',
        format === 'vhdx' ? `repairing VHDX images such as ${path} is not supported` : `${path} is not a VHD image`,
        format === 'vhdx'
          ? '`platter check` lists its problems; Hyper-V or `qemu-img check -r all -f vhdx` can repair it'
          : 'give the path of a .vhd file',
        { path },
      );
    }
    const { problems, add } = problemList();
    const scan = await checkVhd(file, add);
    before = { path, problems, clean: problems.length === 0 };
    plan = planRepair(scan);
    if (dryRun || plan.edits.length === 0)
      return { path, dryRun, rolledBack, before, changes: plan.changes, after: dryRun ? null : before };
    throwIfAborted(control.signal);
    await apply(file, plan, control);
  } finally {
    await file.close();
  }
  return { path, dryRun, rolledBack, before, changes: plan.changes, after: await checkImage(path) };
}

/**
 * A VHDX whose log holds updates: they are written in (the only VHDX repair so far). Null when its log holds
 * none, so that the caller says what it cannot repair.
 */
async function repairVhdxLog(file: RandomAccessFile, path: string, dryRun: boolean) {
  const replay = await pendingLog(file);
  if (!replay) return null;
  const before = await checkImage(path);
  const updates = replay.writes.length;
  const change: RepairChange = {
    code: 'VHDX_LOG_NOT_EMPTY',
    offset: replay.writes[0]!.offset,
    message: `${dryRun ? 'would write' : 'wrote'} the ${updates} update${updates === 1 ? '' : 's'} the log held into the disk, and mark the log empty`,
  };
  if (dryRun) return { path, dryRun, before, changes: [change], after: null };
  await replayLogIntoFile(file, replay);
  await file.close();
  return { path, dryRun, before, changes: [change], after: await checkImage(path) };
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
