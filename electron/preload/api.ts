// Builds the renderer's API from the contract: one method per invoke channel, one subscribe method per event,
// and pathForFile. Plain TypeScript over an ipcRenderer-like transport: the preload passes Electron's
// ipcRenderer, the end-to-end bridge a WebSocket, tests a fake.
import { EVENT_METHODS, INVOKE_METHODS } from '../../shared/ipc-contract';
import type { DroppedFile, PlatterApi } from '../../shared/ipc-contract';

/** The part of Electron's ipcRenderer the API uses. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export function buildApi(ipc: IpcRendererLike, pathForFile: (file: DroppedFile) => string): PlatterApi {
  const api: Record<string, unknown> = {};
  for (const [channel, method] of Object.entries(INVOKE_METHODS)) {
    // Exactly one argument crosses, whatever the page passes.
    api[method] = (request: unknown) => ipc.invoke(channel, request);
  }
  for (const [channel, method] of Object.entries(EVENT_METHODS)) {
    api[method] = (listener: (payload: unknown) => void) => {
      // The page gets the payload only, never the IPC event (which would expose the sender).
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, wrapped);
      return () => void ipc.removeListener(channel, wrapped);
    };
  }
  api.pathForFile = (file: DroppedFile) => pathForFile(file);
  return Object.freeze(api) as PlatterApi;
}
