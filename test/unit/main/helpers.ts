// Assembles the main process's services as the app does, with the in-process job runner (or another) and
// scripted stand-ins for Electron's dialogs and shell.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventChannel, Events, OpenDialogRequest, SaveDialogRequest } from '../../../shared/ipc-contract';
import { createHandlers } from '../../../electron/main/handlers';
import { createInProcessRunner } from '../../../electron/main/jobs/in-process-runner';
import type { JobRunner } from '../../../electron/main/jobs/runner';
import { createCoreServices } from '../../../electron/main/services';
import type { Services } from '../../../electron/main/services';

export interface Harness {
  readonly services: Services;
  readonly handlers: ReturnType<typeof createHandlers>;
  /** Every event emitted, in order. */
  readonly events: { channel: EventChannel; payload: unknown }[];
  readonly dialogs: { openAnswers: string[][]; saveAnswers: (string | null)[]; requests: unknown[] };
  readonly shown: string[];
  eventsOf<E extends EventChannel>(channel: E): Events[E][];
}

export async function harness(userDataDir: string, runner: JobRunner = createInProcessRunner()): Promise<Harness> {
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
    shell: { showInFolder: (path) => void shown.push(path) },
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

/** A raw disk image of `size` bytes whose every 512-byte sector holds its own number (no zero runs). */
export async function writeRawImage(path: string, size: number): Promise<void> {
  const data = Buffer.alloc(size);
  for (let off = 0; off + 4 <= size; off += 512) data.writeUInt32LE(off / 512 + 1, off);
  await writeFile(path, data);
}

export function tempFile(dir: string, name: string): string {
  return join(dir, name);
}
