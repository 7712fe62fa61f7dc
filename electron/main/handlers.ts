// The handler table: one function per invoke channel, each validating its payload against the channel's schema
// before anything else, then checking its paths by the channel's rule (channel-rules.ts: only paths the user
// chose), and answering with an IpcResult (never throwing). Plain TypeScript: ipc-binding.ts binds it to ipcMain,
// the end-to-end bridge to a WebSocket, the tests call it directly.
import { stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import * as v from 'valibot';
import type { IpcResult, ValidationIssue } from '../../shared/errors';
import type { FoundDisks } from '../../shared/found-disks';
import type { ImageDetails } from '../../shared/image';
import { INVOKE_CHANNELS } from '../../shared/ipc-contract';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../shared/ipc-contract';
import { INVOKE_SCHEMAS } from '../../shared/ipc-schemas';
import { CHANNEL_RULES } from './channel-rules';
import type { ChannelRule, Checked } from './channel-rules';
import { checkImageFile, detectImage, imageDetails, summarizeImage } from './image-service';
import { toIpcError } from '../engine/ipc-error';
import { invalidRequest } from './ipc-errors';
import type { NewFile } from './output-paths';
import type { PathGrants } from './path-grants';
import type { RequestLimit } from './request-limit';
import type { Services } from './services';

export type Handler<C extends InvokeChannel> = (payload: unknown) => Promise<IpcResult<InvokeResponse<C>>>;
export type HandlerTable = { readonly [C in InvokeChannel]: Handler<C> };

type Implementation = {
  readonly [C in InvokeChannel]: (
    request: InvokeRequest<C>,
    output: NewFile | null,
  ) => Promise<InvokeResponse<C>> | InvokeResponse<C>;
};

/** The disks of a chosen image's chain, as main found them, are the user's too (merge writes the parent). */
function grantChain(grants: PathGrants, details: ImageDetails): ImageDetails {
  grants.grant(details.chain.flatMap((link) => (link.status === 'found' ? [link.path] : [])));
  return details;
}

/**
 * The disks main found in the user's own registry and profile are the user's to open and compact. Not a missing
 * one: a grant also lets a job create a file there, and nothing the user chose is there.
 */
function grantFound(grants: PathGrants, found: FoundDisks): FoundDisks {
  grants.grant(found.disks.filter((disk) => disk.status !== 'missing').map((disk) => disk.path));
  return found;
}

function implementation(s: Services): Implementation {
  return {
    'app:info': () => s.appInfo,
    'app:take-opened-files': () => ({ paths: s.openedFiles.take() }),
    'image:detect': ({ path }) => detectImage(path),
    'image:info': async ({ path }) => grantChain(s.grants, await imageDetails(path)),
    'image:check': ({ path }) => checkImageFile(path),
    'job:start': (request, output) => ({ jobId: s.jobs.start(request, output).id }),
    'job:cancel': ({ jobId }) => ({ cancelled: s.jobs.cancel(jobId) }),
    'job:list': () => s.jobs.list(),
    'job:clear-finished': () => s.jobs.clearFinished(),
    'recent:list': () => s.recent.list(),
    'recent:add': async ({ path }) => s.recent.add(await summarizeImage(path)),
    'recent:remove': ({ path }) => s.recent.remove(path),
    'recent:clear': () => s.recent.clear(),
    'dialog:open-file': async (request) => ({ paths: await s.dialogs.showOpen(request) }),
    'dialog:save-file': async ({ purpose, defaultPath }) => {
      // A suggestion only: a bare name, or an absolute path to start in.
      const start =
        defaultPath === undefined ? undefined : isAbsolute(defaultPath) ? defaultPath : basename(defaultPath);
      return { path: await s.dialogs.showSave({ purpose, ...(start !== undefined && { defaultPath: start }) }) };
    },
    'shell:show-in-folder': ({ path }) => s.shell.showInFolder(path),
    'settings:get': () => s.settings.get(),
    'settings:set': (patch) => s.settings.set(patch),
    'disks:list-wsl': async () => grantFound(s.grants, await s.findDisks()),
    'file:exists': async ({ path }) => ({
      exists: await stat(path).then(
        () => true,
        () => false,
      ),
    }),
    'file:trash': ({ path }) => s.shell.trash(path),
    'app:set-menu-state': (state) => s.menuState.set(state),
  };
}

export function validationIssues(issues: readonly v.BaseIssue<unknown>[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
}

interface Context {
  readonly grants: PathGrants;
  readonly files: RequestLimit;
}

function handler<C extends InvokeChannel>(
  channel: C,
  run: Implementation[C],
  rule: ChannelRule<C>,
  context: Context,
): Handler<C> {
  const schema = INVOKE_SCHEMAS[channel] as v.GenericSchema<unknown, InvokeRequest<C>>;
  const checkAndRun = async (request: InvokeRequest<C>): Promise<InvokeResponse<C>> => {
    const checked: Checked<InvokeRequest<C>> = rule.paths
      ? await rule.paths(request, context.grants)
      : { request, output: null };
    const value = await run(checked.request, checked.output);
    // What it was allowed to create is the user's from now on (to open, show, or make a copy of).
    if (checked.output) context.grants.grant([checked.output.path]);
    return value;
  };
  return async (payload) => {
    // Valibot's object schemas accept arrays; no channel takes one.
    if (Array.isArray(payload)) {
      return { ok: false, error: invalidRequest(channel, [{ path: '', message: 'must not be a list' }]) };
    }
    const parsed = v.safeParse(schema, payload);
    if (!parsed.success) return { ok: false, error: invalidRequest(channel, validationIssues(parsed.issues)) };
    try {
      const request = parsed.output;
      const value = rule.opensFiles ? await context.files.run(() => checkAndRun(request)) : await checkAndRun(request);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: toIpcError(err) };
    }
  };
}

/** The table: every contract channel, validated, its paths checked, answering IpcResults. */
export function createHandlers(services: Services): HandlerTable {
  const impl = implementation(services);
  const context: Context = { grants: services.grants, files: services.fileRequests };
  const entries = INVOKE_CHANNELS.map(
    (channel) => [channel, handler(channel, impl[channel] as never, CHANNEL_RULES[channel] as never, context)] as const,
  );
  return Object.fromEntries(entries) as unknown as HandlerTable;
}
