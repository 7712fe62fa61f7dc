// The preload exposes exactly the contract: one method per invoke channel, one subscribe method per event, and
// pathForFile; nothing generic (no invoke(channel), no ipcRenderer). It reports the files of real drops to main
// itself, before the page sees them, and never those of a drop a page script made up.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { API_GLOBAL, EVENT_METHODS, INVOKE_METHODS } from '../../../shared/ipc-contract';
import type { EventChannel, InvokeChannel } from '../../../shared/ipc-contract';
import { buildApi } from '../../../electron/preload/api';
import type { IpcRendererLike } from '../../../electron/preload/api';
import { reportDrops } from '../../../electron/preload/drop-reports';
import type { DropEventLike } from '../../../electron/preload/drop-reports';

function fakeIpc() {
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipc = {
    invoke: vi.fn(async (channel: string, payload: unknown) => ({ ok: true, value: { channel, payload } })),
    on: vi.fn((channel: string, l: (event: unknown, payload: unknown) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    }),
    removeListener: vi.fn((channel: string, l: (event: unknown, payload: unknown) => void) => {
      listeners.get(channel)?.delete(l);
    }),
  } satisfies IpcRendererLike;
  const send = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'secret' }, payload);
  };
  return { ipc, send, listeners };
}

/** A stand-in for the window: keeps the listeners the preload adds, so a test can fire drops at them. */
function fakeWindow() {
  const drops: { listener: (event: DropEventLike) => void; capture: boolean }[] = [];
  return {
    drops,
    addEventListener: (type: string, listener: (event: DropEventLike) => void, options: { capture: boolean }) => {
      if (type === 'drop') drops.push({ listener, capture: options.capture });
    },
    drop: (isTrusted: boolean, names: string[]) => {
      const event = { isTrusted, dataTransfer: { files: names.map((name) => ({ name, size: 1 })) } };
      for (const d of drops) d.listener(event);
    },
  };
}

describe('the preload API', () => {
  it('has exactly one method per invoke channel and event, plus pathForFile', () => {
    const api = buildApi(fakeIpc().ipc, () => '');
    const expected = [...Object.values(INVOKE_METHODS), ...Object.values(EVENT_METHODS), 'pathForFile'].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    expect(Object.isFrozen(api)).toBe(true);
    expect('invoke' in api).toBe(false);
  });

  it('sends each invoke method to its own channel with exactly the one request', async () => {
    const { ipc } = fakeIpc();
    const api = buildApi(ipc, () => '') as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const [channel, method] of Object.entries(INVOKE_METHODS) as [InvokeChannel, string][]) {
      ipc.invoke.mockClear();
      const result = await api[method]!({ path: '/x' }, 'ignored extra argument');
      expect(ipc.invoke).toHaveBeenCalledWith(channel, { path: '/x' });
      expect(ipc.invoke).toHaveBeenCalledTimes(1);
      expect(result).toEqual({ ok: true, value: { channel, payload: { path: '/x' } } });
    }
  });

  it('gives listeners the payload only, and unsubscribes', () => {
    const { ipc, send } = fakeIpc();
    const api = buildApi(ipc, () => '') as unknown as Record<string, (l: (p: unknown) => void) => () => void>;
    for (const [channel, method] of Object.entries(EVENT_METHODS) as [EventChannel, string][]) {
      const seen: unknown[][] = [];
      const off = api[method]!((...args: unknown[]) => seen.push(args));
      send(channel, { n: 1 });
      off();
      send(channel, { n: 2 });
      expect(seen).toEqual([[{ n: 1 }]]);
    }
  });

  it('reports the paths of a real drop, in the capture phase; never a made-up drop or a file with no path', () => {
    const window = fakeWindow();
    const reports: string[][] = [];
    reportDrops(
      window,
      (file) => (file.name === 'made-in-page' ? '' : `/dropped/${file.name}`),
      (paths) => reports.push(paths),
    );
    expect(window.drops.map((d) => d.capture)).toEqual([true]);
    window.drop(true, ['a.vhd', 'made-in-page', 'b.img']);
    window.drop(false, ['/etc/shadow']);
    window.drop(true, ['made-in-page']);
    expect(reports).toEqual([['/dropped/a.vhd', '/dropped/b.img']]);
  });

  it('resolves dropped files through the given function', () => {
    const api = buildApi(fakeIpc().ipc, (file) => `/dropped/${file.name}`);
    expect(api.pathForFile({ name: 'disk.vhd', size: 1 })).toBe('/dropped/disk.vhd');
  });

  it('the preload entry exposes buildApi over ipcRenderer as window.platter, and nothing else', () => {
    const source = readFileSync(resolve(__dirname, '../../../electron/preload/index.ts'), 'utf8');
    expect(API_GLOBAL).toBe('platter');
    expect(source.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(source).toMatch(/exposeInMainWorld\(\s*API_GLOBAL,\s*buildApi\(ipcRenderer,/);
  });
});

describe('the preload bundle', () => {
  it('bundled as CommonJS with only electron external, exposes exactly the contract on window.platter', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [resolve(__dirname, '../../../electron/preload/index.ts')],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const exposed: Record<string, unknown> = {};
    const { ipc } = fakeIpc();
    const sent = vi.fn();
    const window = fakeWindow();
    // A stand-in for the electron module (the real one is never loaded in tests).
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
      ipcRenderer: { ...ipc, send: sent },
      webUtils: { getPathForFile: (file: { name: string }) => `/from/webUtils/${file.name}` },
    };
    const requireStub = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`the preload bundle requires ${id}; a sandboxed preload may require only electron`);
    };
    const module = { exports: {} };
    // The preload's globalThis is the window.
    new Function('require', 'module', 'exports', 'globalThis', code)(requireStub, module, module.exports, window);
    expect(Object.keys(exposed)).toEqual([API_GLOBAL]);
    const api = exposed[API_GLOBAL] as Record<string, unknown>;
    const expected = [...Object.values(INVOKE_METHODS), ...Object.values(EVENT_METHODS), 'pathForFile'].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    expect((api.pathForFile as (f: { name: string }) => string)({ name: 'a.vhd' })).toBe('/from/webUtils/a.vhd');
    // A real drop: its paths go to main on the report channel, not through anything the page can call.
    window.drop(true, ['a.vhd']);
    window.drop(false, ['b.vhd']);
    expect(sent.mock.calls).toEqual([['drop:files', { paths: ['/from/webUtils/a.vhd'] }]]);
    expect(ipc.invoke).not.toHaveBeenCalled();
  });
});
