// Which errors the app can do something about itself, beyond saying what went wrong.
import type { ErrorCode, IpcError } from '../../../shared/ipc-contract';

/** Damage that Check finds and Repair fixes (their remedies send the user to Check…). */
const REPAIRABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VHD_BAD_FOOTER',
  'VHD_BAD_HEADER',
  'VHD_BAT_OUT_OF_RANGE',
  'VHD_BAT_OVERLAP',
  'INTERRUPTED',
]);

/** An image that failed to open with one of these can still be checked and repaired from the error itself. */
export function offersCheck(error: IpcError): boolean {
  return REPAIRABLE.has(error.code);
}
