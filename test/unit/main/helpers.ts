// Assembles the main process's services as the app does, with the in-process job runner (or another) and
// scripted stand-ins for Electron's dialogs and shell.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IpcResult } from '../../../shared/errors';
import type {
  EventChannel,
  Events,
  InvokeChannel,
  JobOutcome,
  OpenDialogRequest,
  SaveDialogRequest,
} from '../../../shared/ipc-contract';
import { createHandlers } from '../../../electron/main/handlers';
import { createInProcessRunner } from '../../../electron/main/jobs/in-process-runner';
import type { JobRunner } from '../../../electron/main/jobs/runner';
import { createCoreServices } from '../../../electron/main/services';
import type { CoreServicesOptions, Services } from '../../../electron/main/services';

export interface Harness {
  readonly services: Services;
  readonly handlers: ReturnType<typeof createHandlers>;
  /** Every event emitted, in order. */
  readonly events: { channel: EventChannel; payload: unknown }[];
  readonly dialogs: { openAnswers: string[][]; saveAnswers: (string | null)[]; requests: unknown[] };
  readonly shown: string[];
  eventsOf<E extends EventChannel>(channel: E): Events[E][];
}

/** Options of the services a harness assembles, beyond the folder and the runner. */
export type HarnessOptions = Pick<CoreServicesOptions, 'fileRequestLimits' | 'maxQueuedJobs' | 'findDisks'>;

export async function harness(
  userDataDir: string,
  runner: JobRunner = createInProcessRunner(),
  options: HarnessOptions = {},
): Promise<Harness> {
  const dialogs = { openAnswers: [] as string[][], saveAnswers: [] as (string | null)[], requests: [] as unknown[] };
  const shown: string[] = [];
  const services = await createCoreServices({
    userDataDir,
    runner,
    app: { name: 'Platter', version: '0.0.0-test', platform: process.platform },
    dialogs: {
      async showOpen(request: OpenDialogRequest) {
        dialogs.requests.push(request);
        return dialogs.openAnswers.shift() ?? [];
      },
      async showSave(request: SaveDialogRequest) {
        dialogs.requests.push(request);
        return dialogs.saveAnswers.shift() ?? null;
      },
    },
    // The Trash stands in as removal.
    shell: { showInFolder: (path) => void shown.push(path), trash: (path) => rm(path) },
    ...options,
  });
  const events: Harness['events'] = [];
  services.events.onAny((channel, payload) => events.push({ channel, payload }));
  return {
    services,
    handlers: createHandlers(services),
    events,
    dialogs,
    shown,
    eventsOf: <E extends EventChannel>(channel: E) =>
      events.filter((e) => e.channel === channel).map((e) => e.payload as Events[E]),
  };
}

export function value<T>(result: IpcResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function errorOf<T>(result: IpcResult<T>) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** Calls a channel with any payload, as a page (honest or not) may. */
export function call(h: Harness, channel: InvokeChannel, payload: unknown): Promise<IpcResult<unknown>> {
  return (h.handlers[channel] as (p: unknown) => Promise<IpcResult<unknown>>)(payload);
}

export async function waitDone(h: Harness, jobId: string): Promise<JobOutcome> {
  await h.services.jobs.whenIdle();
  const outcome = h.eventsOf('job:done').find((o) => o.jobId === jobId);
  if (!outcome) throw new Error(`no job:done for ${jobId}`);
  return outcome;
}

/** The user picks `paths` in the Open dialog (the page asks main to show it): from then on they are granted. */
export async function choose(h: Harness, ...paths: string[]): Promise<void> {
  h.dialogs.openAnswers.push(paths);
  const result = await h.handlers['dialog:open-file']({ purpose: 'image', multiple: true });
  if (!result.ok) throw new Error(`the open dialog failed: ${result.error.message}`);
}

/** The user picks `path` in the Save dialog. */
export async function chooseSave(h: Harness, path: string): Promise<void> {
  h.dialogs.saveAnswers.push(path);
  const result = await h.handlers['dialog:save-file']({ purpose: 'any' });
  if (!result.ok) throw new Error(`the save dialog failed: ${result.error.message}`);
}

/** A raw disk image of `size` bytes whose every 512-byte sector holds its own number (no zero runs). */
export async function writeRawImage(path: string, size: number): Promise<void> {
  const data = Buffer.alloc(size);
  for (let off = 0; off + 4 <= size; off += 512) data.writeUInt32LE(off / 512 + 1, off);
  await writeFile(path, data);
}

export function tempFile(dir: string, name: string): string {
  return join(dir, name);
}
