// A PlatterApi for component and store tests: every invoke method answers from a table the test fills (an
// unexpected call fails loudly), and events can be emitted as main would.
import { vi } from 'vitest';
import { EVENT_METHODS, INVOKE_METHODS } from '../../../shared/ipc-contract';
import type { EventChannel, Events, IpcResult, PlatterApi } from '../../../shared/ipc-contract';

type Answer = (request: unknown) => IpcResult<unknown> | Promise<IpcResult<unknown>>;

export interface FakeApi {
  readonly api: PlatterApi;
  readonly calls: { method: string; request: unknown }[];
  answer(method: string, answer: Answer): void;
  emit<E extends EventChannel>(channel: E, payload: Events[E]): void;
}

export const ok = <T>(value: T): IpcResult<T> => ({ ok: true, value });

export function fakeApi(): FakeApi {
  const answers = new Map<string, Answer>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: { method: string; request: unknown }[] = [];
  const api: Record<string, unknown> = {};
  for (const method of Object.values(INVOKE_METHODS)) {
    api[method] = vi.fn(async (request: unknown) => {
      calls.push({ method, request });
      const answer = answers.get(method);
      if (!answer) throw new Error(`unexpected call to ${method}`);
      return answer(request);
    });
  }
  for (const [channel, method] of Object.entries(EVENT_METHODS)) {
    api[method] = (listener: (payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    };
  }
  api.pathForFile = (file: { name: string }) => `/drop/${file.name}`;
  return {
    api: api as PlatterApi,
    calls,
    answer: (method, answer) => answers.set(method, answer),
    emit: (channel, payload) => listeners.get(channel)?.forEach((l) => l(payload)),
  };
}
