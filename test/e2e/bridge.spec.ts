// The bridge is bound like ipcMain: the same sender check (a page from another origin is refused) and the same
// per-channel validation (a relative path is an INVALID_REQUEST), answering the contract's IpcResult shape. And
// as in the app, the page reaches only files the user chose: naming one is UNTRUSTED_PATH, dropping it grants it.
import { WebSocket } from 'ws';
import type { IpcResult, PlatterApi } from '../../shared/ipc-contract';
import { BRIDGE_PATH } from './bridge/bridge-server';
import { drop, expect, test } from './app-test';
import { copyFixture } from './helpers';

function invoke(url: string, origin: string, channel: string, payload: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http:', 'ws:')}${BRIDGE_PATH}`, { headers: { origin } });
    socket.on('open', () => socket.send(JSON.stringify({ id: 1, channel, payload })));
    socket.on('message', (data) => {
      socket.close();
      resolve((JSON.parse(String(data)) as { result: unknown }).result);
    });
    socket.on('error', reject);
  });
}

test('a request from another origin is refused as UNTRUSTED_SENDER; a bad payload is INVALID_REQUEST', async ({
  bridge,
}) => {
  const foreign = await invoke(bridge.url, 'http://evil.example', 'recent:list', undefined);
  expect(foreign).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });

  const bad = await invoke(bridge.url, bridge.url, 'image:info', { path: 'relative/disk.vhd' });
  expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });

  const good = await invoke(bridge.url, bridge.url, 'recent:list', undefined);
  expect(good).toEqual({ ok: true, value: [] });
});

/** Sends one message that expects no answer (a report), then closes. */
function report(url: string, origin: string, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http:', 'ws:')}${BRIDGE_PATH}`, { headers: { origin } });
    socket.on('open', () =>
      socket.send(JSON.stringify(message), () => setTimeout(() => (socket.close(), resolve()), 100)),
    );
    socket.on('error', reject);
  });
}

test('the page cannot name its way to a file: UNTRUSTED_PATH until the user drops it, and only then it opens', async ({
  app,
  bridge,
  dir,
}) => {
  const path = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  const ask = (p: string) =>
    app.evaluate((q) => (window as unknown as { platter: PlatterApi }).platter.imageInfo({ path: q }), p);
  for (const named of [path, '/etc/shadow']) {
    const answer: IpcResult<unknown> = await ask(named);
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'UNTRUSTED_PATH', remedy: 'choose the file with Open… or drop it on the window' },
    });
  }
  // A drop report from a page of another origin grants nothing.
  await report(bridge.url, 'http://evil.example', { report: 'drop:files', payload: { paths: [path] } });
  expect(bridge.services.grants.has(path)).toBe(false);

  await drop(app, ['hyperv-dynamic-10m.vhd']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);
  expect((await ask(path)).ok).toBe(true);
  expect((await ask('/etc/shadow')).ok).toBe(false);
});
