// Binds the handler table and the preload's reports to an ipcMain-like transport, checking every sender first,
// and forwards every event to a sender. ipc-binding.ts passes Electron's ipcMain; tests pass a fake; the
// end-to-end bridge mirrors it.
import type { IpcResult } from '../../shared/errors';
import { INVOKE_CHANNELS, REPORT_CHANNELS } from '../../shared/ipc-contract';
import type { EventChannel, Events } from '../../shared/ipc-contract';
import type { EventBus } from './event-bus';
import type { HandlerTable } from './handlers';
import type { ReportTable } from './reports';
import type { SenderEvent } from './sender-check';

/** The part of Electron's ipcMain the handler binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The part of Electron's ipcMain the report binding uses (one-way messages, ipcRenderer.send). */
export interface IpcMainMessagesLike {
  on(channel: string, listener: (event: SenderEvent, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: SenderEvent, payload: unknown) => void): unknown;
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

/** Listens for every report channel, ignoring reports from any other sender; returns a function that stops. */
export function bindReports(
  ipc: IpcMainMessagesLike,
  table: ReportTable,
  isTrusted: (event: SenderEvent) => boolean,
): () => void {
  const listeners = REPORT_CHANNELS.map((channel) => {
    const listener = (event: SenderEvent, payload: unknown) => {
      if (isTrusted(event)) table[channel](payload);
    };
    ipc.on(channel, listener);
    return [channel, listener] as const;
  });
  return () => listeners.forEach(([channel, listener]) => ipc.removeListener(channel, listener));
}

/** Sends every event on the bus (in order) through `send`; returns a function that stops. */
export function forwardEvents(
  bus: EventBus,
  send: <E extends EventChannel>(channel: E, payload: Events[E]) => void,
): () => void {
  return bus.onAny(send);
}
