import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PlatterError, fromFsError, throwIfAborted } from '../errors';
import { RandomAccessFile, deviceNotChanged } from './random-access-file';

/**
 * Temporary outputs are named `.NAME.platter-PID-XXXXXXXX.tmp` beside the destination: recognizable, and
 * removable by the next run once the process that wrote them is gone.
 */
export const TEMP_PATTERN = /^\.(.+)\.platter-(\d+)-[0-9a-f]{8}\.tmp$/;

export function tempPathFor(destination: string): string {
  return join(
    dirname(destination),
    `.${basename(destination)}.platter-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Whether process `pid` still runs (a permission error means it does, as another user's). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files for `destination` left by runs that were killed. Returns the paths removed. */
export async function removeStaleTemps(destination: string): Promise<string[]> {
  const folder = dirname(destination);
  const name = basename(destination);
  const removed: string[] = [];
  const entries = await readdir(folder).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = TEMP_PATTERN.exec(entry);
    if (!match || match[1] !== name || processAlive(Number(match[2]))) continue;
    await unlink(join(folder, entry)).then(
      () => removed.push(join(folder, entry)),
      () => undefined,
    );
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Refuses a folder that is missing, not a folder, or not writable. */
export async function checkWritableFolder(folder: string): Promise<void> {
  try {
    const s = await stat(folder);
    if (!s.isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  } catch (err) {
    throw fromFsError(err, folder);
  }
}

/** Refuses a destination whose folder is missing or not writable, and (unless replacing) one that exists. */
export async function checkDestination(destination: string, replace = false): Promise<void> {
  await checkWritableFolder(dirname(destination));
  if (!replace && (await exists(destination)))
    throw fromFsError(Object.assign(new Error(), { code: 'EEXIST' }), destination);
}

/**
 * The file an in-place rewrite replaces: through symbolic links to the file itself (the link stays a link), and
 * only a regular file with one name: a rename over a device node would put a file where the disk was, and the
 * other names of a hard-linked file would silently keep the old copy.
 */
async function replaceableFile(path: string): Promise<string> {
  try {
    const real = await realpath(path);
    const s = await stat(real);
    if (s.isBlockDevice() || s.isCharacterDevice()) throw deviceNotChanged(path);
    if (s.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    if (!s.isFile())
      throw new PlatterError('NOT_A_FILE', `${path} is not a regular file`, 'give the path of an image file', { path });
    if (s.nlink > 1) {
      throw new PlatterError(
        'UNSUPPORTED',
        `${path} has ${s.nlink} names (hard links), and rewriting it in place would leave the others with the old copy`,
        'work on a copy, or remove its other names first',
        { path },
      );
    }
    return real;
  } catch (err) {
    throw fromFsError(err, path);
  }
}

/**
 * The permission bits a file made from `sources` may have: none its sources lack (a copy of a mode-600 key stays
 * 600), capped further by `limit` (what the caller allows) and, as for every new file, the umask.
 */
export async function modeFrom(sources: readonly string[], limit = 0o666): Promise<number> {
  let mode = limit & 0o666;
  for (const source of sources) mode &= (await stat(source)).mode & 0o666;
  return mode;
}

export interface WriteOptions {
  /** Atomically replace an existing file (in-place operations); otherwise an existing destination is refused. */
  readonly replace?: boolean;
  /** File mode for the new file (in-place operations keep the original's). */
  readonly mode?: number;
}

/**
 * Writes a file crash-safely: `write` fills a temporary file in the destination folder, which is flushed and then
 * moved into place in one step. On error or cancel the temporary file is removed; a kill leaves only a temporary
 * file, which the next run removes.
 */
export async function writeNewFile(
  destination: string,
  signal: AbortSignal | undefined,
  write: (file: RandomAccessFile) => Promise<void>,
  options: WriteOptions = {},
): Promise<void> {
  const target = options.replace ? await replaceableFile(resolve(destination)) : resolve(destination);
  // First: a run killed between moving its output into place and removing its temporary file left both.
  await removeStaleTemps(target);
  await checkDestination(target, options.replace);
  const temp = tempPathFor(target);
  // The file being replaced stays open and claimed until the new one is in its place: no other program may
  // change it meanwhile, or take it for writing (image-lock.ts).
  const original = options.replace ? await RandomAccessFile.open(target, 'r', 'claim') : undefined;
  let file: RandomAccessFile | undefined;
  try {
    const handle = await open(temp, 'wx+', options.mode ?? 0o666).catch((err: unknown) => {
      throw fromFsError(err, target);
    });
    file = await RandomAccessFile.fromHandle(temp, handle, target);
    await write(file);
    throwIfAborted(signal);
    await file.sync();
    await file.close();
    file = undefined;
    if (options.replace) await rename(temp, target);
    else await moveIntoPlace(temp, target);
  } catch (err) {
    await file?.close();
    await unlink(temp).catch(() => undefined);
    if (!(await exists(dirname(target)))) {
      throw new PlatterError(
        'NOT_FOUND',
        `the folder ${dirname(target)} was removed while ${basename(target)} was being written into it`,
        'choose a folder that exists, then run it again',
        { path: target },
      );
    }
    const failure = fromFsError(err, target);
    // Replacing: the new file never took the old one's place, which nothing touched.
    if (!options.replace || failure.code === 'CANCELLED') throw failure;
    throw new PlatterError(
      failure.code,
      `${failure.message}; the image was left as it was`,
      failure.remedy,
      failure.details,
    );
  } finally {
    await original?.close();
  }
  await syncFolder(dirname(target));
}

/**
 * Makes the rename itself durable: a power cut right after success then still shows the new file. Best effort:
 * some systems (Windows) cannot open a folder for syncing, and the file's data is already flushed.
 */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r').catch(() => null);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/** Moves without replacing: a hard link fails if the destination appeared meanwhile; rename where links are unsupported. */
async function moveIntoPlace(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
    await unlink(temp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    if (await exists(target)) throw Object.assign(new Error(), { code: 'EEXIST' });
    await rename(temp, target);
  }
}
