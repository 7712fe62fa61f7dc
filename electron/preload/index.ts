// The preload (sandboxed, bundled as one CommonJS file): exposes the contract's API as `window.platter`, and tells
// main which files a real drop brought (drop-reports.ts). The one file that touches ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_GLOBAL } from '../../shared/ipc-contract';
import type { DroppedFile, PreloadReports, ReportChannel } from '../../shared/ipc-contract';
import { buildApi } from './api';
import { reportDrops } from './drop-reports';
import type { DropTarget } from './drop-reports';

type DomFile = Parameters<typeof webUtils.getPathForFile>[0];

const pathForFile = (file: DroppedFile) => webUtils.getPathForFile(file as DomFile);
const report = <R extends ReportChannel>(channel: R, payload: PreloadReports[R]) => ipcRenderer.send(channel, payload);

contextBridge.exposeInMainWorld(API_GLOBAL, buildApi(ipcRenderer, pathForFile));

reportDrops(globalThis as unknown as DropTarget, pathForFile, (paths) => report('drop:files', { paths }));
