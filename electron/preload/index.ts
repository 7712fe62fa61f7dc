// The preload (sandboxed, bundled as one CommonJS file): exposes the contract's API as `window.platter`.
// The one file that touches ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_GLOBAL } from '../../shared/ipc-contract';
import { buildApi } from './api';

type DomFile = Parameters<typeof webUtils.getPathForFile>[0];

contextBridge.exposeInMainWorld(
  API_GLOBAL,
  buildApi(ipcRenderer, (file) => webUtils.getPathForFile(file as DomFile)),
);
