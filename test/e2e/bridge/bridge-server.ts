// The end-to-end bridge: serves the built renderer (out/renderer) and binds the REAL handler table and reports
// (createHandlers and createReports over createCoreServices: the real engine, job manager, path grants, recent
// list and settings) to a WebSocket on the same origin, exactly as electron/main/ipc-binding.ts binds them to
// ipcMain: bindHandlers and bindReports with a sender check (isTrustedSender against the page's origin), and
// forwardEvents for every event. The one stand-in is the dialog service: native dialogs cannot open here, so the
// test scripts their answers (which grant the paths, as the user's choices in a real dialog do). The disk lookup
// (WSL and Docker Desktop disks) is this machine's by default; a test may point it at a fake registry.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { FoundDisks } from '../../../shared/found-disks';
import { findWslDisks, systemSources } from '../../../electron/engine/discovery/find-wsl-disks';
import { bindHandlers, bindReports, forwardEvents } from '../../../electron/main/bind-handlers';
import { createHandlers } from '../../../electron/main/handlers';
import { createInProcessRunner } from '../../../electron/main/jobs/in-process-runner';
import { createReports } from '../../../electron/main/reports';
import { createCoreServices } from '../../../electron/main/services';
import type { Services } from '../../../electron/main/services';
import { isTrustedSender } from '../../../electron/main/sender-check';
import type { SenderEvent } from '../../../electron/main/sender-check';
import { ScriptedDialogs } from './scripted-dialogs';

export const RENDERER_DIR = resolve(import.meta.dirname, '../../../out/renderer');
export const BRIDGE_PATH = '/__platter_bridge';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A message from the page: an invoke of one channel, or a report (what ipcRenderer.send carries). */
type PageMessage =
  | { readonly id: number; readonly channel: string; readonly payload: unknown }
  | { readonly report: string; readonly payload: unknown };

export interface Bridge {
  readonly url: string;
  readonly services: Services;
  readonly dialogs: ScriptedDialogs;
  /** Every show-in-folder request, in order. */
  readonly shown: string[];
  /** Replaces the WSL and Docker Desktop disk lookup (e.g. findWslDisks over a fake registry); reload the page after. */
  useDiskLookup(find: () => Promise<FoundDisks>): void;
  close(): Promise<void>;
}

async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  // Chromium asks for a favicon that Electron never would: answer "nothing" rather than a 404 console error.
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  const rel = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
  const file = join(RENDERER_DIR, rel);
  if (!file.startsWith(RENDERER_DIR)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404).end('not found');
  }
}

export async function startBridge(options: { userDataDir: string }): Promise<Bridge> {
  const dialogs = new ScriptedDialogs();
  const shown: string[] = [];
  let findDisks = () => findWslDisks(systemSources(), { estimate: false });
  const services = await createCoreServices({
    userDataDir: options.userDataDir,
    runner: createInProcessRunner(),
    dialogs,
    // The Trash stands in as removal (Replace); the file is gone either way.
    shell: { showInFolder: (path) => void shown.push(path), trash: (path) => rm(path) },
    app: { name: 'Platter', version: '0.0.0-e2e', platform: process.platform },
    findDisks: () => findDisks(),
  });
  const table = createHandlers(services);

  const server: Server = createServer((req, res) => void serveFile(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const policy = { windowIds: () => sockets.keys(), rendererUrl: `${url}/index.html` };

  // The ipcMain stand-in: one handler per channel, called with the sender's event, like ipcMain.handle, and one
  // listener per report channel, like ipcMain.on.
  const handlers = new Map<string, (event: SenderEvent, payload: unknown) => Promise<unknown>>();
  const reportListeners = new Map<string, (event: SenderEvent, payload: unknown) => void>();
  const isTrusted = (event: SenderEvent) => isTrustedSender(event, policy);
  bindHandlers(
    { handle: (channel, listener) => void handlers.set(channel, listener), removeHandler: (c) => handlers.delete(c) },
    table,
    isTrusted,
  );
  bindReports(
    {
      on: (channel, listener) => reportListeners.set(channel, listener),
      removeListener: (channel) => reportListeners.delete(channel),
    },
    createReports(services),
    isTrusted,
  );

  const sockets = new Map<number, WebSocket>();
  let nextId = 1;
  const wss = new WebSocketServer({ server, path: BRIDGE_PATH });
  wss.on('connection', (socket, req) => {
    const id = nextId++;
    sockets.set(id, socket);
    // What Electron reports as the sender frame: the page's URL (its origin here), a main frame.
    const event: SenderEvent = { sender: { id }, senderFrame: { url: `${req.headers.origin ?? ''}/`, parent: null } };
    socket.on('close', () => sockets.delete(id));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as PageMessage;
      // Handled at once, before the next message: a drop's report grants before the page's invokes arrive.
      if ('report' in message) {
        reportListeners.get(message.report)?.(event, message.payload);
        return;
      }
      const handle = handlers.get(message.channel);
      const reply = handle
        ? handle(event, message.payload)
        : Promise.resolve({ ok: false, error: { code: 'INVALID_REQUEST', message: `no channel ${message.channel}` } });
      void reply.then((result) => socket.send(JSON.stringify({ id: message.id, result })));
    });
  });
  const stopEvents = forwardEvents(services.events, (channel, payload) => {
    const text = JSON.stringify({ event: channel, payload });
    for (const socket of sockets.values()) socket.send(text);
  });

  return {
    url,
    services,
    dialogs,
    shown,
    useDiskLookup(find) {
      findDisks = find;
    },
    async close() {
      stopEvents();
      for (const id of [...services.jobs.list()].filter((j) => j.state === 'running' || j.state === 'queued'))
        services.jobs.cancel(id.id);
      for (const socket of sockets.values()) socket.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
