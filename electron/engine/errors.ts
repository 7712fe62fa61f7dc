// Typed engine errors. The code is stable (tests, the CLI, the UI and the IPC contract key on it); the message is
// one sentence about this image; the remedy tells the user what to do next.

import type { EngineErrorCode } from '../../shared/errors';

/** The codes are declared once, in shared/errors.ts, where the IPC contract and the renderer read them too. */
export type ErrorCode = EngineErrorCode;

export interface ErrorDetails {
  readonly path?: string;
  readonly offset?: number;
  readonly [key: string]: unknown;
}

export class PlatterError extends Error {
  override readonly name = 'PlatterError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly remedy?: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

export function isPlatterError(value: unknown, code?: ErrorCode): value is PlatterError {
  return value instanceof PlatterError && (code === undefined || value.code === code);
}

const fsCodes: Record<string, [ErrorCode, (path: string) => string, string]> = {
  ENOENT: ['NOT_FOUND', (p) => `${p} does not exist`, 'check the path and try again'],
  EISDIR: ['IS_DIRECTORY', (p) => `${p} is a folder, not an image file`, 'give the path of an image file'],
  EACCES: [
    'ACCESS_DENIED',
    (p) => `permission denied for ${p}`,
    'check the file permissions or run as a user who may use it',
  ],
  EPERM: ['ACCESS_DENIED', (p) => `the system refused access to ${p}`, 'check the file permissions'],
  EEXIST: ['FILE_EXISTS', (p) => `${p} already exists`, 'choose another name or remove the file first'],
  ENOSPC: ['NO_SPACE', (p) => `no space left on the device holding ${p}`, 'free some space or write somewhere else'],
  EDQUOT: ['NO_SPACE', (p) => `disk quota exceeded while writing ${p}`, 'free some space or write somewhere else'],
  EBUSY: [
    'IN_USE',
    (p) => `${p} is in use by another program`,
    'stop the virtual machine or close the program that uses it, then try again',
  ],
  EIO: [
    'IO_ERROR',
    (p) => `the disk holding ${p} reported an input/output error`,
    'check the disk (its connection and its health), then try again',
  ],
  ENAMETOOLONG: [
    'NAME_TOO_LONG',
    (p) =>
      `the path ${p.length > 200 ? `${p.slice(0, 100)}…${p.slice(-60)}` : p} is longer than the file system allows`,
    'choose a shorter name or a folder nearer the top',
  ],
  EROFS: ['READ_ONLY_FS', (p) => `${p} is on a read-only file system`, 'write to a writable folder'],
  ENOTDIR: ['NOT_FOUND', (p) => `a folder in the path ${p} is not a folder`, 'check the path and try again'],
  EFBIG: [
    'NO_SPACE',
    (p) => `${p} would be larger than the file system allows`,
    'write to a file system that allows large files',
  ],
};

/** Turns a Node file-system error into a PlatterError naming the path; passes PlatterErrors through. */
export function fromFsError(err: unknown, path: string): PlatterError {
  if (err instanceof PlatterError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? fsCodes[code] : undefined;
  if (known) return new PlatterError(known[0], known[1](path), known[2], { path, cause: code });
  // Node's own text names the call and every path it was given (a hidden temporary file among them): the code
  // says what happened without them.
  const what = code ?? (err instanceof Error ? err.message : String(err));
  return new PlatterError('IO_ERROR', `input/output error on ${path} (${what})`, 'check the disk and try again', {
    path,
  });
}

export function cancelled(): PlatterError {
  return new PlatterError('CANCELLED', 'the operation was cancelled', 'run it again when you are ready');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/**
 * Runs a structure parser and names the image in its errors: the parsers see bytes, not the path, and a message
 * should say which file it is about.
 */
export async function namingPath<T>(path: string, parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (err) {
    if (isPlatterError(err) && !err.message.includes(path)) {
      throw new PlatterError(err.code, `${path}: ${err.message}`, err.remedy, { ...err.details, path });
    }
    throw err;
  }
}
