import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PlatterError, fromFsError, isPlatterError } from '../errors';
import { hasPendingJournal, journalPathFor } from './pending-journal';
import { RandomAccessFile } from './random-access-file';
import { PUMP_CHUNK, forEachDataRun } from '../ops/content-pump';
import { processAlive, removeStaleTemps, tempPathFor } from './output-file';

/**
 * An undo journal for in-place changes that no write order can make safe on its own (resizing a fixed disk moves
 * its only footer; a dynamic disk's two footer copies and header must change together). Before touching the
 * image, every byte about to be overwritten and the original length are saved beside it and flushed; the journal
 * is removed once the change is flushed. An error during the change restores the image at once; a journal found
 * later means the change was killed: `rollBack` (run by the next open of the image) restores it exactly.
 */
interface JournalFile {
  readonly version: 1;
  readonly operation: string;
  readonly originalSize: number;
  /** The image's inode, so that a journal is never applied to another file put in its place. */
  readonly inode?: number;
  /** The process making the change: while it lives, the journal is its work in progress, not a leftover. */
  readonly pid?: number;
  readonly records: { offset: number; data: string }[];
}

/**
 * Saves what `ranges` of `file` hold now, and its length, beside it and flushed. Exported for tests, which stop
 * here to leave what a kill leaves; operations use `changeUnderUndo`.
 */
export async function beginUndo(
  file: RandomAccessFile,
  operation: string,
  ranges: readonly [number, number][],
  cutAt?: number,
): Promise<JournalFile> {
  const records: JournalFile['records'] = [];
  for (const [offset, length] of ranges) {
    const inFile = Math.max(0, Math.min(length, file.size - offset));
    if (inFile > 0) records.push({ offset, data: Buffer.from(await file.readAt(offset, inFile)).toString('base64') });
  }
  if (cutAt !== undefined) await recordNonZero(file, cutAt, records);
  const inode = (await stat(file.path)).ino;
  const journal: JournalFile = { version: 1, operation, originalSize: file.size, inode, pid: process.pid, records };
  const path = journalPathFor(file.path);
  // Named like every temporary output, so a kill here leaves something the next run recognizes and removes: the
  // next journaled change of this image (whatever its operation) removes what an earlier one killed left.
  await removeStaleTemps(path);
  const temp = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    // It holds copies of the image's bytes: readable by no one the image is not readable by.
    handle = await open(temp, 'w', (await stat(file.path)).mode & 0o666);
    await handle.writeFile(JSON.stringify(journal));
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    // Nothing of the image was touched yet.
    const failure = fromFsError(err, file.path);
    throw new PlatterError(failure.code, `${failure.message}; the image was left as it was`, failure.remedy, {
      ...failure.details,
      restored: true,
    });
  }
  return journal;
}

/**
 * Saves what lies past `from` (which the change cuts off) as its runs of non-zero bytes only: a roll-back that
 * lengthens the file again reads zeros elsewhere, so the few bitmaps among dropped zero blocks are all it needs.
 */
async function recordNonZero(file: RandomAccessFile, from: number, records: JournalFile['records']): Promise<void> {
  const buffer = new Uint8Array(PUMP_CHUNK);
  for (const extent of file.extents(file.size)) {
    if (extent.kind === 'zero') continue;
    const end = extent.offset + extent.length;
    for (let pos = Math.max(extent.offset, from); pos < end; pos += PUMP_CHUNK) {
      const chunk = buffer.subarray(0, Math.min(PUMP_CHUNK, end - pos));
      await file.read(chunk, pos);
      await forEachDataRun(chunk, pos, async (data, offset) => {
        records.push({ offset, data: Buffer.from(data).toString('base64') });
      });
    }
  }
}

/** Puts back what the journal saved: the original length first, then every saved byte. */
async function restore(file: RandomAccessFile, journal: JournalFile): Promise<void> {
  await file.truncate(journal.originalSize);
  for (const record of journal.records)
    await file.write(new Uint8Array(Buffer.from(record.data, 'base64')), record.offset);
  await file.sync();
  await unlink(journalPathFor(file.path));
}

/**
 * Changes `file` in place under an undo journal of `ranges` (every byte `change` overwrites or cuts off; past
 * `cutAt`, where the change cuts the file, only the bytes that are not zero). Should
 * the change fail (no space, an I/O error, a cancel), the image is restored before the error is rethrown, and the
 * error says whether it was.
 */
export async function changeUnderUndo(
  file: RandomAccessFile,
  operation: string,
  ranges: readonly [number, number][],
  change: () => Promise<void>,
  cutAt?: number,
): Promise<void> {
  const journal = await beginUndo(file, operation, ranges, cutAt);
  try {
    await change();
    await file.sync();
    await unlink(journalPathFor(file.path));
  } catch (err) {
    const failure = fromFsError(err, file.path);
    const restored = await restore(file, journal).then(
      () => true,
      () => false,
    );
    throw new PlatterError(
      failure.code,
      restored
        ? `${failure.message}; the image was left as it was`
        : `${failure.message}; the image could not be put back as it was, and its undo journal was kept`,
      restored ? failure.remedy : 'fix the cause, then run `platter check --repair` on it, which restores it',
      { ...failure.details, restored },
    );
  }
}

/**
 * What every open of an image does first: an in-place change that was killed (its journal is there, its process
 * gone) is rolled back, so the image reads as it was before. Where it cannot be written now (a read-only medium),
 * the image is refused rather than read half-changed. Returns the interrupted operation's name, or null.
 */
export async function rollBackInterrupted(image: string): Promise<string | null> {
  if (!(await hasPendingJournal(image))) return null;
  try {
    return await rollBack(image);
  } catch (err) {
    if (isPlatterError(err, 'IN_USE') || isPlatterError(err, 'INTERRUPTED')) throw err;
    throw new PlatterError(
      'INTERRUPTED',
      `an earlier change to ${image} was interrupted before it finished, and it cannot be rolled back now (${(err as Error).message})`,
      'run `platter check --repair` on it where it can be written, which rolls the change back',
      { path: image },
    );
  }
}

/** Restores an image from its pending journal, if there is one. Returns the interrupted operation's name, or null. */
export async function rollBack(image: string): Promise<string | null> {
  const path = journalPathFor(image);
  await removeStaleTemps(path); // a journal killed before it was complete: the image was not touched yet
  let journal: JournalFile;
  try {
    journal = JSON.parse(await readFile(path, 'utf8')) as JournalFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PlatterError(
      'IO_ERROR',
      `the undo journal ${path} is unreadable`,
      'move it away if the image reads right; otherwise restore the image from a backup',
    );
  }
  if (journal.version !== 1 || !Number.isSafeInteger(journal.originalSize) || !Array.isArray(journal.records)) {
    throw new PlatterError(
      'IO_ERROR',
      `the undo journal ${path} is not one Platter wrote`,
      'move it away if the image reads right',
    );
  }
  if (journal.pid !== undefined && journal.pid !== process.pid && processAlive(journal.pid)) {
    throw new PlatterError(
      'IN_USE',
      `${image} is being changed by another Platter (process ${journal.pid})`,
      'let it finish, then try again',
      { path: image },
    );
  }
  if (journal.inode !== undefined && (await stat(image)).ino !== journal.inode) {
    throw new PlatterError(
      'INTERRUPTED',
      `the undo journal ${path} was written for another file than the one now at ${image}`,
      'if the image reads right, move the journal away; otherwise restore the image from a backup',
      { path: image },
    );
  }
  const file = await RandomAccessFile.open(image, 'r+');
  try {
    await restore(file, journal);
  } finally {
    await file.close();
  }
  return journal.operation;
}
