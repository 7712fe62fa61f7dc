// Anything thrown in the engine, a job worker or the main process, as the IPC contract's IpcError: a code, one
// sentence, a remedy. Here (not in electron/main) because the worker and the engine's chain walk need it too.
import type { ErrorCode, IpcError } from '../../shared/errors';
import { isPlatterError } from './errors';

/** An error that is already in the contract's shape; handlers and services throw it. */
export class IpcFailure extends Error {
  override readonly name = 'IpcFailure';
  constructor(readonly error: IpcError) {
    super(error.message);
  }
}

export function ipcError(code: ErrorCode, message: string, remedy?: string): IpcError {
  return remedy === undefined ? { code, message } : { code, message, remedy };
}

/** Any thrown value as an IpcError. Unknown errors become INTERNAL with their message (never a stack). */
export function toIpcError(err: unknown): IpcError {
  if (err instanceof IpcFailure) return err.error;
  if (isPlatterError(err)) return ipcError(err.code, err.message, err.remedy);
  if (isIpcError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ipcError('INTERNAL', `unexpected error: ${message}`, 'try again; if it happens again, report it');
}

/** A plain object that already has the contract's shape (errors that crossed from the worker). */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    typeof v.message === 'string' &&
    (v.remedy === undefined || typeof v.remedy === 'string')
  );
}
