// Every IPC message's sender is checked first: a known window, its main frame, the app's own page.
import { describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS } from '../../../shared/ipc-contract';
import { bindHandlers } from '../../../electron/main/bind-handlers';
import type { IpcMainLike } from '../../../electron/main/bind-handlers';
import type { HandlerTable } from '../../../electron/main/handlers';
import { isAppUrl, isLocalRequest, isTrustedSender } from '../../../electron/main/sender-check';
import type { SenderEvent } from '../../../electron/main/sender-check';

const APP = 'file:///opt/Platter/resources/app.asar/out/renderer/index.html';
const policy = { rendererUrl: APP, windowIds: () => [7] };
const event = (id: number, url: string, parent: unknown = null): SenderEvent => ({
  sender: { id },
  senderFrame: { url, parent },
});

describe('isTrustedSender', () => {
  it('accepts the app page in the main frame of a known window', () => {
    expect(isTrustedSender(event(7, APP), policy)).toBe(true);
    expect(isTrustedSender(event(7, `${APP}#/image?path=x`), policy)).toBe(true);
  });

  it('refuses other windows, subframes, destroyed frames and other pages', () => {
    expect(isTrustedSender(event(8, APP), policy)).toBe(false);
    expect(isTrustedSender(event(7, APP, { url: APP }), policy)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, policy)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: undefined }, policy)).toBe(false);
    for (const url of [
      'file:///tmp/evil.html',
      'file:///opt/Platter/resources/app.asar/out/renderer/other.html',
      'https://example.invalid/',
      'about:blank',
      'devtools://devtools/bundled/index.html',
      'not a url',
    ]) {
      expect(isTrustedSender(event(7, url), policy), url).toBe(false);
    }
  });

  it('in development, accepts the dev server origin only', () => {
    expect(isAppUrl('http://localhost:5173/src/main.ts', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('https://localhost:5173/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'custom://app/')).toBe(false);
  });
});

describe('bindHandlers', () => {
  function fakeIpcMain() {
    const handlers = new Map<string, (event: SenderEvent, payload: unknown) => Promise<unknown>>();
    const ipc: IpcMainLike = {
      handle: (channel, listener) => void handlers.set(channel, listener),
      removeHandler: (channel) => void handlers.delete(channel),
    };
    return { ipc, handlers };
  }

  it('binds every channel, checks the sender before the handler runs, and unbinds', async () => {
    const { ipc, handlers } = fakeIpcMain();
    const spy = vi.fn(async (payload: unknown) => ({ ok: true as const, value: payload }));
    const table = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, spy])) as unknown as HandlerTable;
    const unbind = bindHandlers(ipc, table, (e) => isTrustedSender(e, policy));
    expect([...handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());

    const refused = await handlers.get('image:info')!(event(7, 'https://example.invalid/'), { path: '/x.vhd' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    expect(spy).not.toHaveBeenCalled();

    const answered = await handlers.get('image:info')!(event(7, APP), { path: '/x.vhd' });
    expect(answered).toEqual({ ok: true, value: { path: '/x.vhd' } });
    expect(spy).toHaveBeenCalledTimes(1);

    unbind();
    expect(handlers.size).toBe(0);
  });
});

describe('isLocalRequest', () => {
  it('lets local files and page data load, and nothing remote', () => {
    for (const url of [
      APP,
      'file:///opt/Platter/resources/app.asar/out/renderer/assets/index.js',
      'data:image/png;base64,AA',
      'blob:file:///1234',
      'devtools://devtools/bundled/inspector.html',
    ]) {
      expect(isLocalRequest(url, APP), url).toBe(true);
    }
    for (const url of [
      'https://example.invalid/x.js',
      'http://localhost:5173/',
      'ws://localhost:5173/',
      'ftp://x/y',
      'nonsense',
    ]) {
      expect(isLocalRequest(url, APP), url).toBe(false);
    }
  });

  it('in development, also the dev server and its hot-reload socket', () => {
    const dev = 'http://localhost:5173/';
    expect(isLocalRequest('http://localhost:5173/src/main.ts', dev)).toBe(true);
    expect(isLocalRequest('ws://localhost:5173/', dev)).toBe(true);
    expect(isLocalRequest('http://localhost:8080/', dev)).toBe(false);
    expect(isLocalRequest('https://cdn.example.invalid/vue.js', dev)).toBe(false);
  });
});
