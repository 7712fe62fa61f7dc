// Where a job may create a file: a path the user chose in a save dialog, or one beside a source of the same job
// named as a disk image (the wizards' suggestions, such as disk-converted.vhd beside disk.img). Never a source,
// never an existing file, only in a writable folder. The new file gets at most its sources' permission bits: a
// copy of a 0600 key-holding disk is 0600 too, never the world-readable 0644 a fresh file gets.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, normalize } from 'node:path';
import { fromFsError } from '../engine/errors';
import { checkWritableFolder } from '../engine/io/output-file';
import { IMAGE_EXTENSIONS, RAW_EXTENSIONS } from '../../shared/formats';
import { fail } from './ipc-errors';
import { CHOOSE_OUTPUT, untrustedPath } from './path-grants';
import type { PathGrants } from './path-grants';

/** A file a job creates, and the permission bits it may have at most (null: no source limits them). */
export interface NewFile {
  readonly path: string;
  readonly mode: number | null;
}

const IMAGE_NAMES: ReadonlySet<string> = new Set([...IMAGE_EXTENSIONS, ...RAW_EXTENSIONS]);

/** In the folder of one of `sources`, a visible file named as a disk image: what a wizard suggests. */
export function besideASource(path: string, sources: readonly string[]): boolean {
  const name = basename(path);
  if (name.startsWith('.') || !IMAGE_NAMES.has(extname(name).toLowerCase())) return false;
  return sources.some((source) => dirname(source) === dirname(path));
}

/** The path as the file system resolves it: symlinks in the folder followed, and the file's own if it exists. */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const folder = await realpath(dirname(path)).catch(() => dirname(path));
    return join(folder, basename(path));
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if ((await canonical(a)) === (await canonical(b))) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  // Hard links, and names that differ only in case on case-insensitive file systems.
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** The permission bits every one of `sources` allows (never execute: an image is not a program). */
async function modeAllowedBy(sources: readonly string[]): Promise<number | null> {
  let mode: number | null = null;
  for (const source of sources) {
    const bits = (await stat(source)).mode & 0o666;
    mode = mode === null ? bits : mode & bits;
  }
  return mode;
}

/**
 * A new file of a job whose `sources` are already checked (chosen, existing): chosen or beside a source, never
 * one of the sources, in an existing writable folder, not existing yet.
 */
export async function checkOutputFile(path: string, sources: readonly string[], grants: PathGrants): Promise<NewFile> {
  if (!isAbsolute(path)) {
    fail('INVALID_REQUEST', `the destination ${path} is not an absolute path`, 'give the full path');
  }
  const p = normalize(path);
  if (!grants.has(p) && !besideASource(p, sources)) untrustedPath(p, 'the destination', CHOOSE_OUTPUT);
  for (const source of sources) {
    if (await sameFile(p, source)) {
      fail(
        'DESTINATION_IS_SOURCE',
        `the destination ${p} is the source image`,
        'choose another file name; the source is never overwritten',
      );
    }
  }
  await checkWritableFolder(dirname(p));
  const exists = await stat(p).then(
    () => true,
    () => false,
  );
  if (exists) throw fromFsError(Object.assign(new Error(), { code: 'EEXIST' }), p);
  return { path: p, mode: await modeAllowedBy(sources) };
}
