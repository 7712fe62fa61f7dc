// Turns anything thrown in main or in a job into the contract's IpcError: a code, one sentence, a remedy.
import { isPlatterError } from '../engine/errors';
import type { ErrorCode as EngineCode } from '../engine/errors';
import type { ErrorCode, IpcError, ValidationIssue } from '../../shared/errors';

// Compile-time: every engine code is a contract code. When the engine adds a code, add it to shared/errors.ts.
const engineCodesAreContractCodes = (code: EngineCode): ErrorCode => code;
void engineCodesAreContractCodes;

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

export function fail(code: ErrorCode, message: string, remedy?: string): never {
  throw new IpcFailure(ipcError(code, message, remedy));
}

export function invalidRequest(channel: string, issues: readonly ValidationIssue[]): IpcError {
  const first = issues[0];
  const where = first && first.path ? ` (${first.path}: ${first.message})` : first ? ` (${first.message})` : '';
  return {
    code: 'INVALID_REQUEST',
    message: `the request to ${channel} is not valid${where}`,
    remedy: 'this is a bug in the app; report it with these details',
    issues,
  };
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
