// The preload exposes exactly the contract: one method per invoke channel, one subscribe method per event, and
// pathForFile; nothing generic (no invoke(channel), no ipcRenderer).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { API_GLOBAL, EVENT_METHODS, INVOKE_METHODS } from '../../../shared/ipc-contract';
import type { EventChannel, InvokeChannel } from '../../../shared/ipc-contract';
import { buildApi } from '../../../electron/preload/api';
import type { IpcRendererLike } from '../../../electron/preload/api';

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
    // A stand-in for the electron module (the real one is never loaded in tests).
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
      ipcRenderer: ipc,
      webUtils: { getPathForFile: (file: { name: string }) => `/from/webUtils/${file.name}` },
    };
    const requireStub = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`the preload bundle requires ${id}; a sandboxed preload may require only electron`);
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', code)(requireStub, module, module.exports);
    expect(Object.keys(exposed)).toEqual([API_GLOBAL]);
    const api = exposed[API_GLOBAL] as Record<string, unknown>;
    const expected = [...Object.values(INVOKE_METHODS), ...Object.values(EVENT_METHODS), 'pathForFile'].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    expect((api.pathForFile as (f: { name: string }) => string)({ name: 'a.vhd' })).toBe('/from/webUtils/a.vhd');
  });
});
