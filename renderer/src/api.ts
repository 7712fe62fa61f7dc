// The window API the preload exposes (`window.platter`), typed from the contract, and `call`, which turns an
// IpcResult into a value or a thrown ApiError so views can show the error's sentence and remedy.
import { API_GLOBAL } from '../../shared/ipc-contract';
import type { IpcError, IpcResult, PlatterApi } from '../../shared/ipc-contract';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly error: IpcError) {
    super(error.message);
  }
}

/** The API, or null when the page runs without the preload (then the app shows why it cannot work). */
export function findApi(): PlatterApi | null {
  const api = (window as unknown as Record<string, PlatterApi | undefined>)[API_GLOBAL];
  return api ?? null;
}

let cached: PlatterApi | null = null;

export function api(): PlatterApi {
  cached ??= findApi();
  if (!cached) throw new ApiError({ code: 'INTERNAL', message: 'the app API is missing (the preload did not load)' });
  return cached;
}

/** Replaces the API (component tests). */
export function setApi(value: PlatterApi | null): void {
  cached = value;
}

export async function call<T>(result: Promise<IpcResult<T>>): Promise<T> {
  const r = await result;
  if (!r.ok) throw new ApiError(r.error);
  return r.value;
}

/** Anything caught as an IpcError, for display. */
export function asIpcError(err: unknown): IpcError {
  if (err instanceof ApiError) return err.error;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
