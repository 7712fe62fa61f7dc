// Paths from the renderer are untrusted: inputs must be existing, readable regular files; outputs must go to an
// existing, writable folder, must not exist yet, and must never be the source.
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { fromFsError } from '../engine/errors';
import { checkWritableFolder } from '../engine/ops/output-file';
import type { JobOp, JobRequestOf } from '../../shared/jobs';
import { fail } from './ipc-errors';

function absolute(path: string, what: string): string {
  if (!isAbsolute(path)) fail('INVALID_REQUEST', `${what} ${path} is not an absolute path`, 'give the full path');
  return normalize(path);
}

/** An existing regular file that this process may read. Returns the normalized path. */
export async function checkInputFile(path: string, what = 'the image'): Promise<string> {
  const p = absolute(path, what);
  let s;
  try {
    s = await stat(p);
  } catch (err) {
    throw fromFsError(err, p);
  }
  if (s.isDirectory()) throw fromFsError(Object.assign(new Error(), { code: 'EISDIR' }), p);
  if (!s.isFile()) fail('NOT_A_FILE', `${p} is not a regular file`, 'give the path of an image file');
  try {
    await access(p, constants.R_OK);
  } catch (err) {
    throw fromFsError(err, p);
  }
  return p;
}

/** An image that is changed in place: readable, writable, in a writable folder (for the crash-safe rewrite). */
export async function checkWritableFile(path: string): Promise<string> {
  const p = await checkInputFile(path);
  try {
    await access(p, constants.W_OK);
  } catch (err) {
    throw fromFsError(err, p);
  }
  await checkWritableFolder(dirname(p));
  return p;
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

/** A new file: never one of `sources`, in an existing writable folder, not existing yet. */
export async function checkOutputFile(path: string, sources: readonly string[]): Promise<string> {
  const p = absolute(path, 'the destination');
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
  return p;
}

/**
 * The path rules of each job op; each returns the request with normalized paths. Adding an op to JobOps
 * (shared/jobs.ts) makes this fail to compile until its rules are here.
 */
export const JOB_PATH_RULES: { readonly [K in JobOp]: (request: JobRequestOf<K>) => Promise<JobRequestOf<K>> } = {
  async create(request) {
    const parent = request.parent === undefined ? undefined : await checkInputFile(request.parent, 'the parent');
    const path = await checkOutputFile(request.path, parent === undefined ? [] : [parent]);
    return { ...request, path, ...(parent !== undefined && { parent }) };
  },
  async convert(request) {
    const input = await checkInputFile(request.input, 'the source');
    const output = await checkOutputFile(request.output, [input]);
    return { ...request, input, output };
  },
  async compact(request) {
    if (request.dryRun) return { ...request, path: await checkInputFile(request.path) };
    if (request.output === undefined) return { ...request, path: await checkWritableFile(request.path) };
    const path = await checkInputFile(request.path);
    return { ...request, path, output: await checkOutputFile(request.output, [path]) };
  },
  async hash(request) {
    return { ...request, path: await checkInputFile(request.path) };
  },
  async 'convert-to-child'(request) {
    const input = await checkInputFile(request.input, 'the source');
    const parent = await checkInputFile(request.parent, 'the parent');
    const output = await checkOutputFile(request.output, [input, parent]);
    return { ...request, input, parent, output };
  },
  async resize(request) {
    return { ...request, path: await checkWritableFile(request.path) };
  },
  async merge(request) {
    return { ...request, child: await checkWritableFile(request.child) };
  },
  async 'set-parent'(request) {
    const child = await checkWritableFile(request.child);
    return { ...request, child, parent: await checkInputFile(request.parent, 'the parent') };
  },
  async repair(request) {
    // A dry run only reads; a repair writes the image and its undo journal beside it.
    const path = request.dryRun === true ? await checkInputFile(request.path) : await checkWritableFile(request.path);
    return { ...request, path };
  },
};

export function checkJobPaths<K extends JobOp>(request: JobRequestOf<K> & { op: K }): Promise<JobRequestOf<K>> {
  const rule = JOB_PATH_RULES[request.op] as (r: JobRequestOf<K>) => Promise<JobRequestOf<K>>;
  return rule(request);
}
