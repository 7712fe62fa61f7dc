// What each invoke channel may touch, checked before it runs, in one table the compiler keeps complete (a new
// channel fails to compile until it has a rule): which paths of its request must be ones the user chose (the job
// ops' own rules are JOB_PATH_RULES), and whether it opens files, so that it shares the open-file budget.
import type { FileExistsRequest, InvokeChannel, InvokeRequest, PathRequest } from '../../shared/ipc-contract';
import type { NewFile } from './output-paths';
import { checkInputFile, checkJobPaths, checkProbedPath, grantedInput } from './path-checks';
import type { PathGrants } from './path-grants';

/** A request whose paths passed their rules (normalized), and the file it will create, if any. */
export interface Checked<T> {
  readonly request: T;
  readonly output: NewFile | null;
}

export interface ChannelRule<C extends InvokeChannel> {
  /** Null: the request names no path. */
  readonly paths: ((request: InvokeRequest<C>, grants: PathGrants) => Promise<Checked<InvokeRequest<C>>>) | null;
  /** Opens files: waits for a turn of the open-file budget (request-limit.ts). */
  readonly opensFiles: boolean;
}

const NO_PATHS = { paths: null, opensFiles: false } as const;

function chosenFile(what: string, opensFiles: boolean) {
  return {
    paths: async (request: PathRequest, grants: PathGrants): Promise<Checked<PathRequest>> => ({
      request: { path: await grantedInput(grants, request.path, what) },
      output: null,
    }),
    opensFiles,
  };
}

export const CHANNEL_RULES: { readonly [C in InvokeChannel]: ChannelRule<C> } = {
  'app:info': NO_PATHS,
  'app:take-opened-files': NO_PATHS,
  'image:detect': chosenFile('the image', true),
  'image:info': chosenFile('the image', true),
  'image:check': chosenFile('the image', true),
  // Its paths are checked when it is started; the job then runs in the queue, one at a time.
  'job:start': { paths: checkJobPaths, opensFiles: false },
  'job:cancel': NO_PATHS,
  'job:list': NO_PATHS,
  'job:clear-finished': NO_PATHS,
  'recent:list': NO_PATHS,
  'recent:add': chosenFile('the image', true),
  // Forgets an entry of the list; touches no file.
  'recent:remove': NO_PATHS,
  'recent:clear': NO_PATHS,
  'dialog:open-file': NO_PATHS,
  // The suggested name only starts the dialog; the user picks the file.
  'dialog:save-file': NO_PATHS,
  'shell:show-in-folder': chosenFile('the file', false),
  'settings:get': NO_PATHS,
  'settings:set': NO_PATHS,
  // Names no path; main finds the disks itself (registry, %LOCALAPPDATA%) and reads their headers.
  'disks:list-wsl': { paths: null, opensFiles: true },
  // Looks at one file's existence only (a stat), never its content.
  'file:exists': {
    paths: async (request: FileExistsRequest, grants: PathGrants) => ({
      request: { ...request, path: checkProbedPath(grants, request.path, request.source) },
      output: null,
    }),
    opensFiles: false,
  },
  // An existing regular file among those paths, never a folder or a device.
  'file:trash': {
    paths: async (request: PathRequest, grants: PathGrants) => ({
      request: { path: await checkInputFile(checkProbedPath(grants, request.path, undefined), 'the file') },
      output: null,
    }),
    opensFiles: false,
  },
  'app:set-menu-state': NO_PATHS,
};
