// Paths from the renderer are untrusted. Each must be one the user chose (path-grants.ts) before anything looks
// at it; an input must then be an existing, readable regular file, and an output must pass output-paths.ts.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize } from 'node:path';
import { fromFsError } from '../engine/errors';
import { checkWritableFolder } from '../engine/io/output-file';
import type { JobOp, JobRequest, JobRequestOf } from '../../shared/jobs';
import { fail } from './ipc-errors';
import { besideASource, checkOutputFile } from './output-paths';
import type { NewFile } from './output-paths';
import { CHOOSE_OUTPUT, untrustedPath } from './path-grants';
import type { PathGrants } from './path-grants';

function absolute(path: string, what: string): string {
  if (!isAbsolute(path)) fail('INVALID_REQUEST', `${what} ${path} is not an absolute path`, 'give the full path');
  return normalize(path);
}

/**
 * An existing regular file that this process may read. Returns the normalized path. Checks the file only, not
 * whether the user chose it: the image service also reads the parents a chosen child names.
 */
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

/** A file the user chose, then checked as an input. */
export function grantedInput(grants: PathGrants, path: string, what = 'the image'): Promise<string> {
  return checkInputFile(grants.require(absolute(path, what), what), what);
}

/**
 * A path a wizard may ask about before it starts a job (does it exist?): one the user chose, or one beside a
 * chosen file named as a disk image: the outputs a job may create (output-paths.ts), and nothing else.
 */
export function checkProbedPath(grants: PathGrants, path: string, source: string | undefined): string {
  const p = absolute(path, 'the destination');
  if (grants.has(p)) return p;
  const from = source === undefined ? [] : [absolute(source, 'the source')].filter((s) => grants.has(s));
  // Without a source named: beside any file the user chose (the wizard's source is one of them).
  const beside = from.length > 0 ? from : grants.inFolder(dirname(p));
  if (!besideASource(p, beside)) untrustedPath(p, 'the destination', CHOOSE_OUTPUT);
  return p;
}

/** A file the user chose, then checked as an image changed in place. */
export function grantedWritable(grants: PathGrants, path: string, what = 'the image'): Promise<string> {
  return checkWritableFile(grants.require(absolute(path, what), what));
}

/** A job request with its paths checked and normalized, and the new file it creates (if any). */
export interface CheckedJob<K extends JobOp = JobOp> {
  readonly request: JobRequestOf<K>;
  readonly output: NewFile | null;
}

/**
 * The path rules of each job op: which paths are inputs (chosen, readable), which are changed in place (chosen,
 * writable) and which are created (output-paths.ts). Adding an op to JobOps (shared/jobs.ts) makes this fail to
 * compile until its rules are here.
 */
export const JOB_PATH_RULES: {
  readonly [K in JobOp]: (request: JobRequestOf<K>, grants: PathGrants) => Promise<CheckedJob<K>>;
} = {
  async create(request, grants) {
    const parent = request.parent === undefined ? undefined : await grantedInput(grants, request.parent, 'the parent');
    const output = await checkOutputFile(request.path, parent === undefined ? [] : [parent], grants);
    return { request: { ...request, path: output.path, ...(parent !== undefined && { parent }) }, output };
  },
  async convert(request, grants) {
    const input = await grantedInput(grants, request.input, 'the source');
    const output = await checkOutputFile(request.output, [input], grants);
    return { request: { ...request, input, output: output.path }, output };
  },
  async compact(request, grants) {
    if (request.dryRun) {
      return { request: { ...request, path: await grantedInput(grants, request.path) }, output: null };
    }
    if (request.output === undefined) {
      return { request: { ...request, path: await grantedWritable(grants, request.path) }, output: null };
    }
    const path = await grantedInput(grants, request.path);
    const output = await checkOutputFile(request.output, [path], grants);
    return { request: { ...request, path, output: output.path }, output };
  },
  async hash(request, grants) {
    return { request: { ...request, path: await grantedInput(grants, request.path) }, output: null };
  },
  async 'convert-to-child'(request, grants) {
    const input = await grantedInput(grants, request.input, 'the source');
    const parent = await grantedInput(grants, request.parent, 'the parent');
    const output = await checkOutputFile(request.output, [input, parent], grants);
    return { request: { ...request, input, parent, output: output.path }, output };
  },
  async resize(request, grants) {
    return { request: { ...request, path: await grantedWritable(grants, request.path) }, output: null };
  },
  async merge(request, grants) {
    // The parent it writes into is the one the child names, as the chain main read shows it.
    return { request: { ...request, child: await grantedWritable(grants, request.child, 'the child') }, output: null };
  },
  async 'set-parent'(request, grants) {
    const child = await grantedWritable(grants, request.child, 'the child');
    const parent = await grantedInput(grants, request.parent, 'the parent');
    return { request: { ...request, child, parent }, output: null };
  },
  async repair(request, grants) {
    // A dry run only reads; a repair writes the image and its undo journal beside it.
    const path =
      request.dryRun === true ? await grantedInput(grants, request.path) : await grantedWritable(grants, request.path);
    return { request: { ...request, path }, output: null };
  },
};

export function checkJobPaths(request: JobRequest, grants: PathGrants): Promise<CheckedJob> {
  const rule = JOB_PATH_RULES[request.op] as (r: JobRequest, g: PathGrants) => Promise<CheckedJob>;
  return rule(request, grants);
}
