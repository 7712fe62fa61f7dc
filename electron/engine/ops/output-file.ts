import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fromFsError, throwIfAborted } from '../errors';
import { RandomAccessFile } from '../image/random-access-file';

/** Temporary outputs are named `.NAME.platter-XXXXXXXX.tmp` beside the destination, so they can be found and cleaned. */
export const TEMP_PATTERN = /^\..+\.platter-[0-9a-f]{8}\.tmp$/;

export function tempPathFor(destination: string): string {
  return join(dirname(destination), `.${basename(destination)}.platter-${randomBytes(4).toString('hex')}.tmp`);
}

/** Refuses a destination that exists or whose folder is missing, before any work starts. */
export async function checkDestination(destination: string): Promise<void> {
  const folder = dirname(destination);
  try {
    const s = await stat(folder);
    if (!s.isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  } catch (err) {
    throw fromFsError(err, folder);
  }
  const exists = await stat(destination).then(
    () => true,
    () => false,
  );
  if (exists) throw fromFsError(Object.assign(new Error(), { code: 'EEXIST' }), destination);
}

/**
 * Writes a new file crash-safely: `write` fills a temporary file in the destination folder, which is flushed and
 * then moved into place without replacing anything. On error or cancel the temporary file is removed.
 */
export async function writeNewFile(
  destination: string,
  signal: AbortSignal | undefined,
  write: (file: RandomAccessFile) => Promise<void>,
): Promise<void> {
  const target = resolve(destination);
  await checkDestination(target);
  const temp = tempPathFor(target);
  let file: RandomAccessFile | undefined;
  try {
    const handle = await open(temp, 'wx+').catch((err: unknown) => {
      throw fromFsError(err, target);
    });
    file = await RandomAccessFile.fromHandle(temp, handle);
    await write(file);
    throwIfAborted(signal);
    await file.sync();
    await file.close();
    file = undefined;
    await moveIntoPlace(temp, target);
  } catch (err) {
    await file?.close();
    await unlink(temp).catch(() => undefined);
    throw fromFsError(err, target);
  }
}

/** Renames without replacing: a hard link fails if the destination appeared meanwhile; rename is the fallback where links are not supported. */
async function moveIntoPlace(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
    await unlink(temp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      throw Object.assign(new Error(), { code: 'EEXIST' });
    await rename(temp, target);
  }
}
