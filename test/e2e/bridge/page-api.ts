// What the page gets instead of the preload: `window.platter` built from the contract's method tables, each
// invoke sent over the bridge's WebSocket and each event delivered to its subscribers (the payload only, as the
// preload does). pathForFile maps a dropped File to its file in the test's folder, as webUtils.getPathForFile
// maps it to its file on disk. And as the preload does (electron/preload/drop-reports.ts), a capture listener on
// the window, installed before the page's scripts, reports every drop's paths to main (the bridge's reports
// binding) before the page sees the drop: that report, not the page, is what lets the page open dropped files.
// (Playwright's drops are synthetic, so unlike the preload it cannot insist on trusted events.)
// Runs in the page (page.addInitScript): self-contained, no imports at run time.
import { API_GLOBAL, EVENT_METHODS, INVOKE_METHODS } from '../../../shared/ipc-contract';
import type { ReportChannel } from '../../../shared/ipc-contract';
import { BRIDGE_PATH } from './bridge-server';

export interface PageApiArgs {
  readonly global: string;
  readonly invoke: Record<string, string>;
  readonly events: Record<string, string>;
  readonly socketPath: string;
  /** The folder dropped files come from. */
  readonly dropDir: string;
  readonly dropReport: ReportChannel;
}

export function pageApiArgs(dropDir: string): PageApiArgs {
  return {
    global: API_GLOBAL,
    invoke: INVOKE_METHODS,
    events: EVENT_METHODS,
    socketPath: BRIDGE_PATH,
    dropDir,
    dropReport: 'drop:files',
  };
}

/** Serialized into the page by Playwright: must not refer to anything outside itself. */
export function installPageApi(args: PageApiArgs): void {
  const socket = new WebSocket(`ws://${location.host}${args.socketPath}`);
  const ready = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('the bridge socket failed')), { once: true });
  });
  const pending = new Map<number, (result: unknown) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  socket.addEventListener('message', (e: MessageEvent<string>) => {
    const message = JSON.parse(e.data) as { id?: number; result?: unknown; event?: string; payload?: unknown };
    if (message.id !== undefined) {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    } else if (message.event !== undefined) {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
    }
  });
  const api: Record<string, unknown> = {};
  for (const [channel, method] of Object.entries(args.invoke)) {
    api[method] = async (request: unknown) => {
      await ready;
      const id = nextId++;
      // JSON drops `undefined`, as Electron's structured clone keeps it: send "no request" as an absent field.
      const text = JSON.stringify(request === undefined ? { id, channel } : { id, channel, payload: request });
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(text);
      });
    };
  }
  for (const [channel, method] of Object.entries(args.events)) {
    api[method] = (listener: (payload: unknown) => void) => {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      const wrapped = (payload: unknown) => listener(payload);
      set.add(wrapped);
      return () => void set.delete(wrapped);
    };
  }
  const pathForFile = (file: { name: string }) => (file.name ? `${args.dropDir}/${file.name}` : '');
  api.pathForFile = pathForFile;
  window.addEventListener(
    'drop',
    (event) => {
      const paths = Array.from(event.dataTransfer?.files ?? [], pathForFile).filter((path) => path !== '');
      // After `ready`, in order: sent before any invoke the page makes on seeing the drop.
      const text = JSON.stringify({ report: args.dropReport, payload: { paths } });
      if (paths.length > 0) void ready.then(() => socket.send(text));
    },
    { capture: true },
  );
  Object.defineProperty(window, args.global, { value: Object.freeze(api), writable: false, configurable: false });
}
