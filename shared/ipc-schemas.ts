// Runtime validation of every request, one schema per invoke channel, checked against the contract's types at
// compile time (both directions), so the two cannot drift. Main validates with these whatever TypeScript says:
// the renderer is untrusted. The one import from outside shared/ (valibot) lives here, not in ipc-contract.ts,
// so the renderer and the preload can import the contract without pulling in the validator.
import * as v from 'valibot';
import type { InvokeChannel, InvokeRequest, PreloadReports, ReportChannel } from './ipc-contract';
import type { JobOp, JobRequestOf } from './jobs';
import { ALL_ADAPTERS, ALL_SUBFORMATS, FORMAT_NAMES, IMAGE_FORMAT_NAMES } from './formats';
import { PRESET_NAMES } from './units';

/** POSIX `/x`, Windows `C:\x` or `C:/x`, or a UNC path `\\server\share`. */
const ABSOLUTE_PATH = /^(?:\/|[a-zA-Z]:[\\/]|\\\\[^\\])/;
const MAX_PATH_LENGTH = 32_767;

/** Absolute path text (main checks it again with the platform's rules and then against the file system). */
export function isAbsolutePathText(text: string): boolean {
  return ABSOLUTE_PATH.test(text) && !text.includes('\0');
}

const absolutePath = v.pipe(
  v.string(),
  v.nonEmpty('must not be empty'),
  v.maxLength(MAX_PATH_LENGTH, 'is too long for a path'),
  v.check(isAbsolutePathText, 'must be an absolute path'),
);
const byteCount = v.pipe(
  v.number(),
  v.safeInteger('must be a whole number of bytes'),
  v.minValue(1, 'must be positive'),
);
const diskKind = v.picklist(['fixed', 'dynamic']);
const sectorSize = v.picklist([512, 4096]);
const subformat = v.picklist(ALL_SUBFORMATS);
const adapter = v.picklist(ALL_ADAPTERS);
const noRequest = v.undefined('this channel takes no request');
const pathRequest = v.strictObject({ path: absolutePath });

/** One schema per job op. Adding an op to JobOps (shared/jobs.ts) makes this fail to compile until it has one. */
export const JOB_SCHEMAS = {
  create: v.strictObject({
    op: v.literal('create'),
    path: absolutePath,
    size: v.exactOptional(byteCount),
    type: v.exactOptional(diskKind),
    blockSize: v.exactOptional(byteCount),
    preallocate: v.exactOptional(v.boolean()),
    parent: v.exactOptional(absolutePath),
    format: v.exactOptional(v.picklist(IMAGE_FORMAT_NAMES)),
    logicalSectorSize: v.exactOptional(sectorSize),
    physicalSectorSize: v.exactOptional(sectorSize),
    subformat: v.exactOptional(subformat),
    adapter: v.exactOptional(adapter),
  }),
  convert: v.strictObject({
    op: v.literal('convert'),
    input: absolutePath,
    output: absolutePath,
    format: v.exactOptional(v.picklist(FORMAT_NAMES)),
    type: v.exactOptional(diskKind),
    blockSize: v.exactOptional(byteCount),
    preset: v.exactOptional(v.picklist(PRESET_NAMES)),
    preallocate: v.exactOptional(v.boolean()),
    verify: v.exactOptional(v.boolean()),
    logicalSectorSize: v.exactOptional(sectorSize),
    physicalSectorSize: v.exactOptional(sectorSize),
    subformat: v.exactOptional(subformat),
    adapter: v.exactOptional(adapter),
    compress: v.exactOptional(v.boolean()),
  }),
  compact: v.strictObject({
    op: v.literal('compact'),
    path: absolutePath,
    output: v.exactOptional(absolutePath),
    dryRun: v.exactOptional(v.boolean()),
    zerosOnly: v.exactOptional(v.boolean()),
  }),
  hash: v.strictObject({ op: v.literal('hash'), path: absolutePath }),
  'convert-to-child': v.strictObject({
    op: v.literal('convert-to-child'),
    input: absolutePath,
    output: absolutePath,
    parent: absolutePath,
    blockSize: v.exactOptional(byteCount),
    verify: v.exactOptional(v.boolean()),
  }),
  resize: v.strictObject({ op: v.literal('resize'), path: absolutePath, size: byteCount }),
  merge: v.strictObject({ op: v.literal('merge'), child: absolutePath, keepChild: v.exactOptional(v.boolean()) }),
  'set-parent': v.strictObject({ op: v.literal('set-parent'), child: absolutePath, parent: absolutePath }),
  repair: v.strictObject({ op: v.literal('repair'), path: absolutePath, dryRun: v.exactOptional(v.boolean()) }),
} satisfies { readonly [K in JobOp]: v.GenericSchema<unknown, JobRequestOf<K>> };

const jobRequest = v.variant('op', [
  JOB_SCHEMAS.create,
  JOB_SCHEMAS.convert,
  JOB_SCHEMAS.compact,
  JOB_SCHEMAS.hash,
  JOB_SCHEMAS['convert-to-child'],
  JOB_SCHEMAS.resize,
  JOB_SCHEMAS.merge,
  JOB_SCHEMAS['set-parent'],
  JOB_SCHEMAS.repair,
]);

/** The schema of each invoke channel's request. */
export const INVOKE_SCHEMAS = {
  'app:info': noRequest,
  'app:take-opened-files': noRequest,
  'image:detect': pathRequest,
  'image:info': pathRequest,
  'image:check': pathRequest,
  'job:start': jobRequest,
  'job:cancel': v.strictObject({ jobId: v.pipe(v.string(), v.nonEmpty('must not be empty'), v.maxLength(100)) }),
  'job:list': noRequest,
  'job:clear-finished': noRequest,
  'recent:list': noRequest,
  'recent:add': pathRequest,
  'recent:remove': pathRequest,
  'recent:clear': noRequest,
  'dialog:open-file': v.strictObject({
    purpose: v.picklist(['image', 'source', 'parent']),
    multiple: v.exactOptional(v.boolean()),
  }),
  'dialog:save-file': v.strictObject({
    purpose: v.picklist(['vhd', 'vhdx', 'vdi', 'vmdk', 'qcow2', 'raw', 'any']),
    defaultPath: v.exactOptional(v.pipe(v.string(), v.nonEmpty(), v.maxLength(MAX_PATH_LENGTH))),
  }),
  'shell:show-in-folder': pathRequest,
  'settings:get': noRequest,
  'settings:set': v.strictObject({
    theme: v.exactOptional(v.picklist(['system', 'light', 'dark'])),
    verifyAfterConvert: v.exactOptional(v.boolean()),
    notifyWhenDone: v.exactOptional(v.boolean()),
  }),
  'disks:list-wsl': noRequest,
  'file:exists': v.strictObject({ path: absolutePath, source: v.exactOptional(absolutePath) }),
  'file:trash': pathRequest,
  'app:set-menu-state': v.strictObject({ imageOpen: v.boolean() }),
} satisfies { readonly [C in InvokeChannel]: v.GenericSchema<unknown, InvokeRequest<C>> };

/** Paths one drop may report: more than anyone drags at once, few enough to check quickly. */
export const MAX_DROPPED_FILES = 10_000;

/** The schema of each preload report. */
export const REPORT_SCHEMAS = {
  'drop:files': v.strictObject({
    paths: v.pipe(v.array(absolutePath), v.maxLength(MAX_DROPPED_FILES, 'lists too many files'), v.readonly()),
  }),
} satisfies { readonly [R in ReportChannel]: v.GenericSchema<unknown, PreloadReports[R]> };

// Compile-time: each schema's output is exactly the channel's request type (same keys, same optionality, same
// value types), so a field added on one side only fails \`npm run typecheck\`.
// `void` (NoRequest) is what the schema sees as `undefined`.
type Plain<T> = [T] extends [void] ? undefined : T extends object ? { -readonly [K in keyof T]: T[K] } : T;
type Exactly<A, B> = (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;
type Distribute<T> = T extends unknown ? Plain<T> : never;
type SchemaMatches = {
  [C in InvokeChannel]: Exactly<Distribute<v.InferOutput<(typeof INVOKE_SCHEMAS)[C]>>, Distribute<InvokeRequest<C>>>;
};
type JobSchemaMatches = { [K in JobOp]: Exactly<v.InferOutput<(typeof JOB_SCHEMAS)[K]>, JobRequestOf<K>> };
type ReportSchemaMatches = {
  [R in ReportChannel]: Exactly<v.InferOutput<(typeof REPORT_SCHEMAS)[R]>, PreloadReports[R]>;
};
// A mismatch names its channel: "Types of property 'job:start' are incompatible".
export const SCHEMAS_MATCH_CONTRACT = {
  invoke: null as unknown as SchemaMatches satisfies { readonly [C in InvokeChannel]: true },
  jobs: null as unknown as JobSchemaMatches satisfies { readonly [K in JobOp]: true },
  reports: null as unknown as ReportSchemaMatches satisfies { readonly [R in ReportChannel]: true },
};
