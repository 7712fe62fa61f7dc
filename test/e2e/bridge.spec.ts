// The bridge is bound like ipcMain: the same sender check (a page from another origin is refused) and the same
// per-channel validation (a relative path is an INVALID_REQUEST), answering the contract's IpcResult shape.
import { WebSocket } from 'ws';
import { BRIDGE_PATH } from './bridge/bridge-server';
import { expect, test } from './app-test';

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
