// The services the handler table is built from. The app assembles them with Electron's dialogs and shell; the
// end-to-end bridge and the tests assemble the same services with stand-ins for those two. Whatever the dialogs
// answer, and whatever is opened from outside or listed as recent, is granted here (path-grants.ts).
import { join } from 'node:path';
import { findWslDisks, systemSources } from '../engine/discovery/find-wsl-disks';
import { sparseSeekAvailable } from '../engine/io/sparse-seek';
import { PRESETS } from '../engine/ops/presets';
import type { FoundDisks } from '../../shared/found-disks';
import type { RecentImage } from '../../shared/image';
import type { AppInfo, MenuState, OpenDialogRequest, PresetInfo, SaveDialogRequest } from '../../shared/ipc-contract';
import { EventBus } from './event-bus';
import { JobManager } from './jobs/job-manager';
import type { JobRunner } from './jobs/runner';
import { OpenedFiles } from './opened-files';
import { PathGrants } from './path-grants';
import { RecentStore } from './recent-store';
import { RequestLimit } from './request-limit';
import type { RequestLimits } from './request-limit';
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
  /** Moves a file to the system's Trash (Replace: the old file stays recoverable). */
  trash(path: string): Promise<void>;
}

export interface Services {
  readonly appInfo: AppInfo;
  readonly events: EventBus;
  /** The paths the user chose: all the renderer may touch. */
  readonly grants: PathGrants;
  /** The turns of the handlers that open files. */
  readonly fileRequests: RequestLimit;
  readonly jobs: JobManager;
  readonly recent: RecentStore;
  readonly settings: SettingsStore;
  readonly openedFiles: OpenedFiles;
  /** The dialogs, granting what the user chose in them. */
  readonly dialogs: DialogService;
  readonly shell: ShellService;
  /** The WSL and Docker Desktop disks on this machine (discovery/find-wsl-disks.ts), without the estimates. */
  readonly findDisks: () => Promise<FoundDisks>;
  /** What the window shows, as the renderer last said (the menu enables its image items from it). */
  readonly menuState: MenuStateService;
}

export interface MenuStateService {
  get(): MenuState;
  set(state: MenuState): void;
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
  /** How many file-opening calls run and wait at once (request-limit.ts has the defaults). */
  readonly fileRequestLimits?: RequestLimits;
  /** How many jobs may wait (job-manager.ts has the default). */
  readonly maxQueuedJobs?: number;
  /** Default: the lookup over this machine's registry and file system; tests give a fake registry. */
  readonly findDisks?: () => Promise<FoundDisks>;
  /** Told when the renderer's menu state changes (the app rebuilds its menu). */
  readonly onMenuState?: (state: MenuState) => void;
}

function menuStateService(onChange: ((state: MenuState) => void) | undefined): MenuStateService {
  let current: MenuState = { imageOpen: false };
  return {
    get: () => current,
    set(state) {
      const changed = state.imageOpen !== current.imageOpen;
      current = { imageOpen: state.imageOpen };
      if (changed) onChange?.(current);
    },
  };
}

/** A dialog service whose every chosen path is granted: what the user picks in a native dialog is theirs. */
export function grantingDialogs(dialogs: DialogService, grants: PathGrants): DialogService {
  return {
    async showOpen(request) {
      const paths = await dialogs.showOpen(request);
      grants.grant(paths);
      return paths;
    },
    async showSave(request) {
      const path = await dialogs.showSave(request);
      if (path !== null) grants.grant([path]);
      return path;
    },
  };
}

export function presetInfos(): PresetInfo[] {
  return Object.values(PRESETS).map((p) => ({
    name: p.name,
    format: p.format,
    description: p.description,
    type: p.type,
    blockSize: p.blockSize,
    maxSize: p.maxSize,
    subformat: p.subformat ?? null,
    logicalSectorSize: p.logicalSectorSize ?? null,
    physicalSectorSize: p.physicalSectorSize ?? null,
  }));
}

export async function createCoreServices(options: CoreServicesOptions): Promise<Services> {
  const events = new EventBus();
  const grants = new PathGrants();
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
  // The user's own list (only chosen images are ever added to it).
  grants.grant(recent.list().map((entry) => entry.path));
  return {
    appInfo: { ...options.app, presets: presetInfos(), sparseFiles: sparseSeekAvailable() },
    events,
    grants,
    fileRequests: new RequestLimit(options.fileRequestLimits),
    jobs: new JobManager({
      runner: options.runner,
      events,
      ...(options.maxQueuedJobs !== undefined && { maxQueued: options.maxQueuedJobs }),
    }),
    recent,
    settings,
    openedFiles: new OpenedFiles(events, grants),
    dialogs: grantingDialogs(options.dialogs, grants),
    shell: options.shell,
    findDisks: options.findDisks ?? (() => findWslDisks(systemSources(), { estimate: false })),
    menuState: menuStateService(options.onMenuState),
  };
}
