// The handler table: one function per invoke channel, each validating its payload against the channel's schema
// before anything else and answering with an IpcResult (never throwing). Plain TypeScript: ipc-binding.ts binds
// it to ipcMain, the end-to-end bridge to a WebSocket, the tests call it directly.
import { basename, isAbsolute } from 'node:path';
import * as v from 'valibot';
import type { IpcResult, ValidationIssue } from '../../shared/errors';
import { INVOKE_CHANNELS } from '../../shared/ipc-contract';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../shared/ipc-contract';
import { INVOKE_SCHEMAS } from '../../shared/ipc-schemas';
import { checkImageFile, detectImage, imageDetails, summarizeImage } from './image-service';
import { invalidRequest, toIpcError } from './ipc-errors';
import { checkInputFile, checkJobPaths } from './path-checks';
import type { Services } from './services';

export type Handler<C extends InvokeChannel> = (payload: unknown) => Promise<IpcResult<InvokeResponse<C>>>;
export type HandlerTable = { readonly [C in InvokeChannel]: Handler<C> };

type Implementation = {
  readonly [C in InvokeChannel]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>;
};

function implementation(s: Services): Implementation {
  return {
    'app:info': () => s.appInfo,
    'app:take-opened-files': () => ({ paths: s.openedFiles.take() }),
    'image:detect': ({ path }) => detectImage(path),
    'image:info': ({ path }) => imageDetails(path),
    'image:check': ({ path }) => checkImageFile(path),
    'job:start': async (request) => ({ jobId: s.jobs.start(await checkJobPaths(request)).id }),
    'job:cancel': ({ jobId }) => ({ cancelled: s.jobs.cancel(jobId) }),
    'job:list': () => s.jobs.list(),
    'job:clear-finished': () => s.jobs.clearFinished(),
    'recent:list': () => s.recent.list(),
    'recent:add': async ({ path }) => s.recent.add(await summarizeImage(await checkInputFile(path))),
    'recent:remove': ({ path }) => s.recent.remove(path),
    'recent:clear': () => s.recent.clear(),
    'dialog:open-file': async (request) => ({ paths: await s.dialogs.showOpen(request) }),
    'dialog:save-file': async ({ purpose, defaultPath }) => {
      // A suggestion only: a bare name, or an absolute path to start in.
      const start =
        defaultPath === undefined ? undefined : isAbsolute(defaultPath) ? defaultPath : basename(defaultPath);
      return { path: await s.dialogs.showSave({ purpose, ...(start !== undefined && { defaultPath: start }) }) };
    },
    'shell:show-in-folder': async ({ path }) => s.shell.showInFolder(await checkInputFile(path, 'the file')),
    'settings:get': () => s.settings.get(),
    'settings:set': (patch) => s.settings.set(patch),
  };
}

export function validationIssues(issues: readonly v.BaseIssue<unknown>[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
}

function handler<C extends InvokeChannel>(channel: C, run: Implementation[C]): Handler<C> {
  const schema = INVOKE_SCHEMAS[channel] as v.GenericSchema<unknown, InvokeRequest<C>>;
  return async (payload) => {
    // Valibot's object schemas accept arrays; no channel takes one.
    if (Array.isArray(payload)) {
      return { ok: false, error: invalidRequest(channel, [{ path: '', message: 'must not be a list' }]) };
    }
    const parsed = v.safeParse(schema, payload);
    if (!parsed.success) return { ok: false, error: invalidRequest(channel, validationIssues(parsed.issues)) };
    try {
      return { ok: true, value: await run(parsed.output) };
    } catch (err) {
      return { ok: false, error: toIpcError(err) };
    }
  };
}

/** The table: every contract channel, validated, answering IpcResults. */
export function createHandlers(services: Services): HandlerTable {
  const impl = implementation(services);
  const entries = INVOKE_CHANNELS.map((channel) => [channel, handler(channel, impl[channel] as never)] as const);
  return Object.fromEntries(entries) as unknown as HandlerTable;
}
