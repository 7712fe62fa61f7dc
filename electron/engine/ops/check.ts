import { resolve } from 'node:path';
import { notAnImage, probeFormat } from '../formats/table';
import { hasPendingJournal, journalPathFor } from '../io/pending-journal';
import { RandomAccessFile } from '../io/random-access-file';
import { problemList } from './check-problems';
import type { AddProblem, CheckProblem } from './check-problems';

export type { CheckProblem } from './check-problems';

export interface CheckReport {
  readonly path: string;
  readonly problems: readonly CheckProblem[];
  /** True when there is no problem at all. */
  readonly clean: boolean;
}

/**
 * A read-only structural check of an image, by its format's driver, that lists every problem it finds instead of stopping at the
 * first: footers, headers and checksums, the block table against the file and against itself, the file length,
 * a differencing disk's parent link, and an interrupted in-place change.
 */
export async function checkImage(path: string): Promise<CheckReport> {
  const absolute = resolve(path);
  const file = await RandomAccessFile.open(absolute);
  const { problems, add } = problemList();
  try {
    const interrupted = await checkInterrupted(absolute, add);
    const driver = await probeFormat(file);
    if (driver.check) await driver.check(file, add);
    else if (!interrupted) throw notAnImage(absolute);
  } finally {
    await file.close();
  }
  return { path: absolute, problems, clean: problems.length === 0 };
}

/** An undo journal beside the image: an in-place change (repair, resize, merge) was killed half-way. */
export async function checkInterrupted(image: string, add: AddProblem): Promise<boolean> {
  if (!(await hasPendingJournal(image))) return false;
  const message = `an earlier change to the image was interrupted and its undo journal ${journalPathFor(image)} remains; its structures may be half-written`;
  add('INTERRUPTED', 'error', null, message);
  return true;
}
