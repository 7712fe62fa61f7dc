import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { PlatterError, fromFsError } from '../errors';
import { journalPathFor } from '../image/pending-journal';
import { RandomAccessFile } from '../image/random-access-file';
import { removeStaleTemps, tempPathFor } from './output-file';

/**
 * An undo journal for in-place changes that no write order can make safe on its own (resizing a fixed disk moves
 * its only footer). Before touching the image, the bytes about to be overwritten and the original length are
 * saved beside it and flushed; the journal is removed once the change is flushed. A journal found later means the
 * change was interrupted: `rollBack` restores the image exactly as it was.
 */
export interface UndoRecord {
  readonly offset: number;
  readonly data: Uint8Array;
}

interface JournalFile {
  readonly version: 1;
  readonly operation: string;
  readonly originalSize: number;
  /** The image's inode, so that a journal is never applied to another file put in its place. */
  readonly inode?: number;
  readonly records: { offset: number; data: string }[];
}

/** Saves what `ranges` of `file` hold now, and its length, then returns a function that drops the journal. */
export async function beginUndo(
  file: RandomAccessFile,
  operation: string,
  ranges: readonly [number, number][],
): Promise<() => Promise<void>> {
  const records: JournalFile['records'] = [];
  for (const [offset, length] of ranges) {
    const inFile = Math.max(0, Math.min(length, file.size - offset));
    if (inFile > 0) records.push({ offset, data: Buffer.from(await file.readAt(offset, inFile)).toString('base64') });
  }
  const inode = (await stat(file.path)).ino;
  const journal: JournalFile = { version: 1, operation, originalSize: file.size, inode, records };
  const path = journalPathFor(file.path);
  // Named like every temporary output, so a kill here leaves something the next run recognizes and removes.
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'w');
    await handle.writeFile(JSON.stringify(journal));
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw fromFsError(err, path);
  }
  return async () => {
    await file.sync();
    await unlink(path);
  };
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
    await file.truncate(journal.originalSize);
    for (const record of journal.records)
      await file.write(new Uint8Array(Buffer.from(record.data, 'base64')), record.offset);
    await file.sync();
  } finally {
    await file.close();
  }
  await unlink(path);
  return journal.operation;
}
