import { resolve } from 'node:path';
import { PlatterError, throwIfAborted } from '../errors';
import type { RepairChange } from '../formats/driver';
import { notAnImage, probeFormat } from '../formats/table';
import { hasPendingJournal, journalPathFor } from '../io/pending-journal';
import { RandomAccessFile } from '../io/random-access-file';
import { checkImage } from './check';
import type { CheckReport } from './check';
import { checkDestination, removeStaleTemps } from '../io/output-file';
import type { JobControl } from './progress';
import { rollBack } from '../io/undo-journal';

export type { RepairChange } from '../formats/driver';

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
 * Repairs an image in place through its format's driver, which fixes only what needs no guess and writes so that
 * a kill at any point leaves the image as before or as after (VHD: under the undo journal; VHDX: through its log).
 * An interrupted earlier change is rolled back first.
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
  const before = await checkImage(path);
  throwIfAborted(control.signal);
  const file = await RandomAccessFile.open(path, dryRun ? 'r' : 'r+');
  let outcome;
  try {
    const driver = await probeFormat(file);
    if (!driver.repair)
      throw driver.describe
        ? new PlatterError(
            'UNSUPPORTED',
            `${path} is a ${driver.name} image, which Platter cannot repair yet`,
            'check it with `platter check`; repair it with the tool that made it',
            { path },
          )
        : notAnImage(path);
    outcome = await driver.repair(file, dryRun, control);
  } finally {
    await file.close();
  }
  const after = dryRun ? null : outcome.changed ? await checkImage(path) : before;
  return { path, dryRun, rolledBack, before, changes: outcome.changes, after };
}
