// Binds the handler table to an ipcMain-like transport, checking every sender first, and forwards every event
// to a sender. ipc-binding.ts passes Electron's ipcMain; tests pass a fake; the end-to-end bridge mirrors it.
import type { IpcResult } from '../../shared/errors';
import { INVOKE_CHANNELS } from '../../shared/ipc-contract';
import type { EventChannel, Events } from '../../shared/ipc-contract';
import type { EventBus } from './event-bus';
import type { HandlerTable } from './handlers';
import type { SenderEvent } from './sender-check';

/** The part of Electron's ipcMain the binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export function untrustedSender(channel: string): IpcResult<never> {
  return {
    ok: false,
    error: {
      code: 'UNTRUSTED_SENDER',
      message: `a request to ${channel} came from a page that is not Platter's own window and was refused`,
    },
  };
}

/** Registers one handler per contract channel; returns a function that removes them. */
export function bindHandlers(
  ipc: IpcMainLike,
  table: HandlerTable,
  isTrusted: (event: SenderEvent) => boolean,
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    const handle = table[channel] as (payload: unknown) => Promise<unknown>;
    ipc.handle(channel, async (event, payload) => (isTrusted(event) ? handle(payload) : untrustedSender(channel)));
  }
  return () => INVOKE_CHANNELS.forEach((channel) => ipc.removeHandler(channel));
}

/** Sends every event on the bus (in order) through `send`; returns a function that stops. */
export function forwardEvents(
  bus: EventBus,
  send: <E extends EventChannel>(channel: E, payload: Events[E]) => void,
): () => void {
  return bus.onAny(send);
}
