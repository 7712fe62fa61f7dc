// Failures the main process raises itself, in the contract's shape (the engine's errors become IpcErrors through
// engine/ipc-error.ts).
import type { ErrorCode, ValidationIssue, IpcError } from '../../shared/errors';
import { IpcFailure, ipcError } from '../engine/ipc-error';

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
