// The services the handler table is built from. The app assembles them with Electron's dialogs and shell; the
// end-to-end bridge and the tests assemble the same services with stand-ins for those two.
import { join } from 'node:path';
import { sparseSeekAvailable } from '../engine/image/sparse-seek';
import { PRESETS } from '../engine/ops/presets';
import type { RecentImage } from '../../shared/image';
import type { AppInfo, OpenDialogRequest, PresetInfo, SaveDialogRequest } from '../../shared/ipc-contract';
import { EventBus } from './event-bus';
import { JobManager } from './jobs/job-manager';
import type { JobRunner } from './jobs/runner';
import { OpenedFiles } from './opened-files';
import { RecentStore } from './recent-store';
import { SettingsStore } from './settings-store';

/** Native file dialogs (Electron's in the app; scripted answers in tests and the bridge). */
export interface DialogService {
  /** Paths chosen; empty when cancelled. */
  showOpen(request: OpenDialogRequest): Promise<string[]>;
  /** The path chosen; null when cancelled. */
  showSave(request: SaveDialogRequest): Promise<string | null>;
}

export interface ShellService {
  showInFolder(path: string): void;
}

export interface Services {
  readonly appInfo: AppInfo;
  readonly events: EventBus;
  readonly jobs: JobManager;
  readonly recent: RecentStore;
  readonly settings: SettingsStore;
  readonly openedFiles: OpenedFiles;
  readonly dialogs: DialogService;
  readonly shell: ShellService;
}

export interface CoreServicesOptions {
  /** Where recent.json and settings.json live (Electron's userData folder in the app). */
  readonly userDataDir: string;
  readonly runner: JobRunner;
  readonly dialogs: DialogService;
  readonly shell: ShellService;
  readonly app: { readonly name: string; readonly version: string; readonly platform: string };
  /** Told of every change to the recent list (the app rebuilds its Recent menu). */
  readonly onRecentChange?: (list: readonly RecentImage[]) => void;
  /** Told of each image recorded (the app calls app.addRecentDocument). */
  readonly onRecentAdd?: (path: string) => void;
}

export function presetInfos(): PresetInfo[] {
  return Object.values(PRESETS).map((p) => ({
    name: p.name,
    description: p.description,
    type: p.type,
    blockSize: p.blockSize,
    maxSize: p.maxSize,
  }));
}

export async function createCoreServices(options: CoreServicesOptions): Promise<Services> {
  const events = new EventBus();
  const recent = await RecentStore.load({
    file: join(options.userDataDir, 'recent.json'),
    onChange: (list) => {
      events.emit('recent:changed', list);
      options.onRecentChange?.(list);
    },
    ...(options.onRecentAdd && { onAdd: options.onRecentAdd }),
  });
  const settings = await SettingsStore.load({
    file: join(options.userDataDir, 'settings.json'),
    onChange: (s) => events.emit('settings:changed', s),
  });
  return {
    appInfo: { ...options.app, presets: presetInfos(), sparseFiles: sparseSeekAvailable() },
    events,
    jobs: new JobManager({ runner: options.runner, events }),
    recent,
    settings,
    openedFiles: new OpenedFiles(events),
    dialogs: options.dialogs,
    shell: options.shell,
  };
}
