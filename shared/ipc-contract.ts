import type { ImageFormatName } from './formats';
// THE CONTRACT between the main process and the renderer: every invoke channel (request and response), every
// event main emits, and the API the preload exposes (one method per channel). Main validates every request
// against shared/ipc-schemas.ts (one schema per channel); the runtime allow-lists below use `satisfies`, so a
// channel cannot be added on one side only.
import type { IpcResult } from './errors';
import type { FoundDisks } from './found-disks';
import type { CheckReport, DetectResult, ImageDetails, RecentImage } from './image';
import type { JobId, JobInfo, JobOutcome, JobProgress, JobRequest } from './jobs';
import type { PresetName } from './units';

export type * from './errors';
export type * from './found-disks';
export type * from './image';
export type * from './jobs';
export { BLOCK_STATE_CHARS } from './image';
export * from './units';
export * from './formats';

/** Channels that take no request: the preload sends `undefined`. */
export type NoRequest = void;

export interface Settings {
  readonly theme: 'system' | 'light' | 'dark';
  /** Convert wizard default for "verify the output". */
  readonly verifyAfterConvert: boolean;
  /** A system notification when a long job ends while the window is not focused. */
  readonly notifyWhenDone: boolean;
}

export interface PresetInfo {
  readonly name: PresetName;
  /** The format it writes. */
  readonly format: ImageFormatName;
  readonly description: string;
  readonly type: 'fixed' | 'dynamic';
  readonly blockSize: number | null;
  readonly maxSize: number;
  /** The subformat it writes (VMDK presets); null where the format has none to choose. */
  readonly subformat: string | null;
  /** VHDX presets: the sector sizes they record; null for VHD. */
  readonly logicalSectorSize: 512 | 4096 | null;
  readonly physicalSectorSize: 512 | 4096 | null;
}

export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
  readonly presets: readonly PresetInfo[];
  /** Whether the sparse-file addon loaded (holes are skipped instead of read). */
  readonly sparseFiles: boolean;
}

/** What a file dialog is for; main picks the title and filters. */
export type OpenPurpose = 'image' | 'source' | 'parent';
export type SavePurpose = 'vhd' | 'vhdx' | 'vdi' | 'vmdk' | 'qcow2' | 'raw' | 'any';

export interface OpenDialogRequest {
  readonly purpose: OpenPurpose;
  readonly multiple?: boolean;
}

export interface SaveDialogRequest {
  readonly purpose: SavePurpose;
  /** A file name, or an absolute path to start in. */
  readonly defaultPath?: string;
}

export interface PathRequest {
  readonly path: string;
}

/** Renderer -> main. Each returns Promise<IpcResult<res>>. */
export interface Invoke {
  'app:info': { req: NoRequest; res: AppInfo };
  /** Files opened from outside before the renderer was ready (argv at first start); empties the queue. */
  'app:take-opened-files': { req: NoRequest; res: { readonly paths: readonly string[] } };
  /** VHD, VHDX or raw, by signature: a drop of a raw disk opens the Convert wizard. */
  'image:detect': { req: PathRequest; res: DetectResult };
  'image:info': { req: PathRequest; res: ImageDetails };
  /** A read-only structural check (headers and block table, never the data). */
  'image:check': { req: PathRequest; res: CheckReport };
  /** Queues an operation; progress and the outcome arrive as events. Extend JobOps (shared/jobs.ts) for new ops. */
  'job:start': { req: JobRequest; res: { readonly jobId: JobId } };
  /** Cancels a queued or running job; a running job removes its partial output. */
  'job:cancel': { req: { readonly jobId: JobId }; res: { readonly cancelled: boolean } };
  /** Every job since start (running, queued, finished), oldest first. */
  'job:list': { req: NoRequest; res: readonly JobInfo[] };
  /** Forgets finished jobs; returns what is left. */
  'job:clear-finished': { req: NoRequest; res: readonly JobInfo[] };
  'recent:list': { req: NoRequest; res: readonly RecentImage[] };
  /** Records an opened image (also in the system's recent documents). */
  'recent:add': { req: PathRequest; res: readonly RecentImage[] };
  'recent:remove': { req: PathRequest; res: readonly RecentImage[] };
  'recent:clear': { req: NoRequest; res: readonly RecentImage[] };
  /** Native open dialog; an empty list when cancelled. */
  'dialog:open-file': { req: OpenDialogRequest; res: { readonly paths: readonly string[] } };
  /** Native save dialog; null when cancelled. */
  'dialog:save-file': { req: SaveDialogRequest; res: { readonly path: string | null } };
  'shell:show-in-folder': { req: PathRequest; res: NoRequest };
  'settings:get': { req: NoRequest; res: Settings };
  'settings:set': { req: Partial<Settings>; res: Settings };
  /**
   * The WSL distributions' and Docker Desktop's disks (Windows; elsewhere none, with a note), sized from their
   * headers; what compacting would reclaim is a compact dry-run job per disk. Main grants the disks it names.
   */
  'disks:list-wsl': { req: NoRequest; res: FoundDisks };
  /**
   * Whether a file is there already (a wizard asks before a job would refuse to overwrite it): a path the user
   * chose, or one beside the chosen `source` named as a disk image (the wizards' suggestions).
   */
  'file:exists': { req: FileExistsRequest; res: { readonly exists: boolean } };
  /**
   * Replace: moves an existing output to the system's Trash (recoverable) before a job writes a new file there.
   * The same paths as file:exists.
   */
  'file:trash': { req: PathRequest; res: NoRequest };
  /** What the window shows, for the native menu (items that need an open image are disabled without one). */
  'app:set-menu-state': { req: MenuState; res: NoRequest };
}

export interface FileExistsRequest {
  readonly path: string;
  /** The image the path is suggested beside. */
  readonly source?: string;
}

export interface MenuState {
  /** The window shows an image (its tab is the current screen). */
  readonly imageOpen: boolean;
}

export type MenuCommand =
  'open' | 'create' | 'convert' | 'compact' | 'check' | 'show-jobs' | 'about' | 'preferences' | 'close-tab';

/** Main -> renderer. */
export interface Events {
  'job:added': JobInfo;
  'job:started': { readonly jobId: JobId; readonly startedAt: number };
  'job:progress': JobProgress;
  'job:done': JobOutcome;
  /** An image opened from outside: double-click, drop on the dock icon, second instance, File > Open, Recent. */
  'app:open-file': { readonly path: string; readonly source: 'argv' | 'second-instance' | 'open-file' | 'menu' };
  /** A native menu item the renderer carries out (e.g. File > Create opens the Create wizard). */
  'app:menu-command': { readonly command: MenuCommand };
  'recent:changed': readonly RecentImage[];
  'settings:changed': Settings;
}

/**
 * Preload -> main, one way, never exposed to the page (window.platter has no method for them, and the page has no
 * ipcRenderer): what the preload itself saw happen in the window.
 */
export interface PreloadReports {
  /** The files of a real drop on the window (a trusted event), reported before the page sees the drop. */
  'drop:files': { readonly paths: readonly string[] };
}

export type ReportChannel = keyof PreloadReports;

/** The runtime allow-list of report channels. */
export const REPORT_CHANNELS = Object.keys({ 'drop:files': true } satisfies {
  readonly [R in ReportChannel]: true;
}) as readonly ReportChannel[];

export type InvokeChannel = keyof Invoke;
export type EventChannel = keyof Events;
export type InvokeRequest<C extends InvokeChannel> = Invoke[C]['req'];
export type InvokeResponse<C extends InvokeChannel> = Invoke[C]['res'];

/** The preload's method for each invoke channel; also the runtime allow-list of channels. */
export const INVOKE_METHODS = {
  'app:info': 'appInfo',
  'app:take-opened-files': 'takeOpenedFiles',
  'image:detect': 'detectImage',
  'image:info': 'imageInfo',
  'image:check': 'checkImage',
  'job:start': 'startJob',
  'job:cancel': 'cancelJob',
  'job:list': 'listJobs',
  'job:clear-finished': 'clearFinishedJobs',
  'recent:list': 'listRecent',
  'recent:add': 'addRecent',
  'recent:remove': 'removeRecent',
  'recent:clear': 'clearRecent',
  'dialog:open-file': 'showOpenDialog',
  'dialog:save-file': 'showSaveDialog',
  'shell:show-in-folder': 'showInFolder',
  'settings:get': 'getSettings',
  'settings:set': 'setSettings',
  'disks:list-wsl': 'listWslDisks',
  'file:exists': 'fileExists',
  'file:trash': 'trashFile',
  'app:set-menu-state': 'setMenuState',
} as const satisfies { readonly [C in InvokeChannel]: string };

/** The preload's subscribe method for each event channel; also the runtime allow-list of events. */
export const EVENT_METHODS = {
  'job:added': 'onJobAdded',
  'job:started': 'onJobStarted',
  'job:progress': 'onJobProgress',
  'job:done': 'onJobDone',
  'app:open-file': 'onOpenFile',
  'app:menu-command': 'onMenuCommand',
  'recent:changed': 'onRecentChanged',
  'settings:changed': 'onSettingsChanged',
} as const satisfies { readonly [E in EventChannel]: string };

export const INVOKE_CHANNELS = Object.keys(INVOKE_METHODS) as readonly InvokeChannel[];
export const EVENT_CHANNELS = Object.keys(EVENT_METHODS) as readonly EventChannel[];

export type Unsubscribe = () => void;

/** A file from a drop (a DOM File); the preload turns it into its path. */
export interface DroppedFile {
  readonly name: string;
  readonly size: number;
}

/** `window.platter`: what the preload exposes, and what the end-to-end bridge gives a browser page. */
export type PlatterApi = {
  readonly [C in InvokeChannel as (typeof INVOKE_METHODS)[C]]: (
    request: Invoke[C]['req'],
  ) => Promise<IpcResult<Invoke[C]['res']>>;
} & {
  readonly [E in EventChannel as (typeof EVENT_METHODS)[E]]: (listener: (payload: Events[E]) => void) => Unsubscribe;
} & {
  /** The absolute path of a dropped file ('' for a file with none, e.g. one made in the page). */
  readonly pathForFile: (file: DroppedFile) => string;
};

/** The global name the preload exposes the API under: `window.platter`. */
export const API_GLOBAL = 'platter';
