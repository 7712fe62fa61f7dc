// Jobs: long engine operations run one after another off the main thread, with progress and an outcome.
import type { IpcError } from './errors';
import type { CheckReport, DiskType } from './image';
import type { FormatName, ImageFormatName } from './formats';
import type { PresetName } from './units';

/** VHDX only: the sector size the guest sees, and the one it is told the disk has. */
export type SectorSize = 512 | 4096;

export type JobId = string;

export interface CreateRequest {
  readonly op: 'create';
  readonly path: string;
  /** Bytes; required unless `parent` is given (a child has its parent's size). */
  readonly size?: number;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  /** Fixed disks: write every byte instead of leaving a sparse file. */
  readonly preallocate?: boolean;
  /** Makes an empty differencing child of this VHD. */
  readonly parent?: string;
  /** Default: from the name (.vhdx, .vdi, .vmdk, .qcow2), else vhd. */
  readonly format?: ImageFormatName;
  readonly logicalSectorSize?: SectorSize;
  readonly physicalSectorSize?: SectorSize;
  /** Only for the formats that list them in OUTPUT_OPTIONS (subformats, adapters). */
  readonly subformat?: string;
  readonly adapter?: string;
}

export interface CreateResult {
  readonly path: string;
  readonly format: 'vhd' | 'vhdx' | 'vmdk';
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly blockSize: number | null;
  readonly uuid: string;
}

export interface ConvertRequest {
  readonly op: 'convert';
  readonly input: string;
  readonly output: string;
  /** Default: from the output's extension (.vhd, .vhdx, .img/.raw/.bin/.dd/.iso), or the preset's format. */
  readonly format?: FormatName;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  readonly preset?: PresetName;
  readonly preallocate?: boolean;
  /** Read the output back and compare its content hash with the source's. */
  readonly verify?: boolean;
  readonly logicalSectorSize?: SectorSize;
  readonly physicalSectorSize?: SectorSize;
  /** Only for the formats that list them in OUTPUT_OPTIONS (subformats, adapters, compress). */
  readonly subformat?: string;
  readonly adapter?: string;
  readonly compress?: boolean;
}

export interface ConvertResult {
  readonly output: string;
  readonly format: FormatName;
  readonly diskType: DiskType | null;
  readonly blockSize: number | null;
  readonly virtualSize: number;
  readonly sourceSize: number;
  readonly paddedBytes: number;
  readonly roundedBytes: number;
  readonly fileSize: number;
  readonly verifiedSha256: string | null;
}

export interface CompactRequest {
  readonly op: 'compact';
  readonly path: string;
  /** Write the compacted image here and leave the original alone; default: in place. */
  readonly output?: string;
  /** Only work out what compacting would reclaim (reads every allocated block); writes nothing. */
  readonly dryRun?: boolean;
  /** Drop only blocks that read as zeros; leave the file systems' free space alone. */
  readonly zerosOnly?: boolean;
}

/** One volume of the disk as compact sees it: its file system and what of its free space can be dropped. */
export interface CompactVolume {
  /** The partition's number in its table; null for a whole-disk file system. */
  readonly partition: number | null;
  readonly start: number;
  readonly size: number;
  /** 'ext4', 'ntfs', 'vfat', 'exfat', 'swap'...; null when none was found. */
  readonly fileSystem: string | null;
  readonly label: string | null;
  /** Its space is kept whole (a file system not cleanly unmounted, damaged, or none Platter reads). */
  readonly keptWhole: boolean;
  /** Why it is kept whole and what to do; null when its free space is used. */
  readonly reason: string | null;
  /** Bytes its file system does not use. */
  readonly freeBytes: number;
  /** Of those, bytes in held blocks that hold nothing else: compact drops them. */
  readonly reclaimableBytes: number;
  /** Bytes in held blocks that also hold used data: not reclaimable without moving data. */
  readonly sharedBytes: number;
}

export interface CompactResult {
  readonly path: string;
  readonly output: string;
  readonly blocksBefore: number;
  readonly blocksAfter: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly reclaimedBytes: number;
  /** Held blocks dropped because they read as zeros, and their bytes. */
  readonly zeroBlocks: number;
  readonly zeroBytes: number;
  /** Held blocks dropped because they lie wholly in space no file system uses, and their bytes. */
  readonly freeSpaceBlocks: number;
  readonly freeSpaceBytes: number;
  /** The volumes read for free space (empty with zerosOnly). */
  readonly volumes: readonly CompactVolume[];
  /** Bytes outside every partition (a gap, the tail) in held blocks that compact drops. */
  readonly outsidePartitionsBytes: number;
  readonly zerosOnly: boolean;
  /** True for a dry run: the figures are what compacting would give; nothing was written. */
  readonly dryRun: boolean;
}

/** SHA-256 of the virtual disk's content (the Verify hash action). */
export interface HashRequest {
  readonly op: 'hash';
  readonly path: string;
}

export interface HashResult {
  readonly path: string;
  readonly sha256: string;
  readonly virtualSize: number;
}

/** A differencing child of `parent` holding only the sectors where `input` differs from it. */
export interface ConvertToChildRequest {
  readonly op: 'convert-to-child';
  readonly input: string;
  readonly output: string;
  readonly parent: string;
  readonly blockSize?: number;
  readonly verify?: boolean;
}

export interface ConvertToChildResult {
  readonly output: string;
  readonly parent: string;
  readonly virtualSize: number;
  readonly blockSize: number;
  readonly changedBlocks: number;
  readonly totalBlocks: number;
  readonly fileSize: number;
  readonly verifiedSha256: string | null;
}

export interface ResizeRequest {
  readonly op: 'resize';
  readonly path: string;
  /** The new virtual size in bytes (a multiple of 512). */
  readonly size: number;
}

export interface ResizeResult {
  readonly path: string;
  readonly diskType: DiskType;
  readonly oldSize: number;
  readonly newSize: number;
  readonly method: 'unchanged' | 'in place' | 'rewritten';
  /** An interrupted earlier operation that was rolled back first, if any. */
  readonly rolledBack: string | null;
}

/** Writes a differencing child into its parent, then removes the child unless kept. */
export interface MergeRequest {
  readonly op: 'merge';
  readonly child: string;
  readonly keepChild?: boolean;
}

export interface MergeResult {
  readonly child: string;
  readonly parent: string;
  readonly mergedBlocks: number;
  readonly childRemoved: boolean;
  readonly warnings: readonly string[];
}

/** Points a child at its moved parent (which must have the UUID the child records). */
export interface SetParentRequest {
  readonly op: 'set-parent';
  readonly child: string;
  readonly parent: string;
}

export interface SetParentResult {
  readonly child: string;
  readonly parent: string;
  readonly parentUuid: string;
}

/** Fixes what can be fixed without guessing (`platter check --repair`); with dryRun, only lists the changes. */
export interface RepairRequest {
  readonly op: 'repair';
  readonly path: string;
  /** Plan only: list the changes and write nothing. */
  readonly dryRun?: boolean;
}

/** One change repair makes (or, in a dry run, would make). */
export interface RepairChange {
  /** The problem it fixes, as check names it. */
  readonly code: string;
  /** Where in the file it writes. */
  readonly offset: number;
  readonly message: string;
  /** For a dropped block: the virtual byte range [start, end) that now reads as zeros (or from the parent). */
  readonly virtualRange?: { readonly start: number; readonly end: number };
}

export interface RepairResult {
  readonly path: string;
  readonly dryRun: boolean;
  /** An interrupted in-place change (repair, resize, merge) rolled back first, by its operation name; or null. */
  readonly rolledBack: string | null;
  /** The check before the repair (after any roll-back). */
  readonly before: CheckReport;
  readonly changes: readonly RepairChange[];
  /** The check after the repair (the same as `before` when nothing was changed); null for a dry run. */
  readonly after: CheckReport | null;
}

/**
 * THE PLACE TO ADD AN OPERATION. Each entry is one `op` of `job:start`: its request and its result.
 * Adding one here makes the compiler ask for the
 * schema (shared/ipc-schemas.ts JOB_SCHEMAS), the path rules (electron/main/path-checks.ts JOB_PATH_RULES)
 * and the runner (electron/worker/operations.ts OPERATIONS). See README.md, "Adding an operation".
 */
export interface JobOps {
  create: { request: CreateRequest; result: CreateResult };
  convert: { request: ConvertRequest; result: ConvertResult };
  compact: { request: CompactRequest; result: CompactResult };
  hash: { request: HashRequest; result: HashResult };
  'convert-to-child': { request: ConvertToChildRequest; result: ConvertToChildResult };
  resize: { request: ResizeRequest; result: ResizeResult };
  merge: { request: MergeRequest; result: MergeResult };
  'set-parent': { request: SetParentRequest; result: SetParentResult };
  repair: { request: RepairRequest; result: RepairResult };
}

export type JobOp = keyof JobOps;
export type JobRequest = JobOps[JobOp]['request'];
export type JobResult = JobOps[JobOp]['result'];
export type JobRequestOf<K extends JobOp> = JobOps[K]['request'];
export type JobResultOf<K extends JobOp> = JobOps[K]['result'];

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A progress update (at most 4 a second per job, in order of `seq`). The renderer derives percent and ETA. */
export interface JobProgress {
  readonly jobId: JobId;
  /** 1, 2, 3... per job: a lower number never arrives after a higher one. */
  readonly seq: number;
  /** What the job is doing now, e.g. 'converting', 'verifying' ('done' restarts from 0 in a new phase). */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Average speed of this phase so far. */
  readonly bytesPerSecond: number;
  /** done / total, 0..1 (1 when total is 0). */
  readonly fraction: number;
  /** Seconds left in this phase at the current speed; null while the speed is unknown. */
  readonly etaSeconds: number | null;
  /** Milliseconds since the job started running. */
  readonly elapsedMs: number;
}

interface JobInfoOf<K extends JobOp> {
  readonly id: JobId;
  readonly op: K;
  readonly request: JobOps[K]['request'];
  readonly state: JobState;
  /** Epoch milliseconds. */
  readonly queuedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** The last progress sent (or seen, for a finished job). */
  readonly progress: JobProgress | null;
  /** Set when state is 'succeeded'. */
  readonly result: JobOps[K]['result'] | null;
  /** Set when state is 'failed' or 'cancelled' (code CANCELLED). */
  readonly error: IpcError | null;
}

/** A job as `job:list` and `job:added` give it. */
export type JobInfo = { [K in JobOp]: JobInfoOf<K> }[JobOp];

interface JobOutcomeOf<K extends JobOp> {
  readonly jobId: JobId;
  readonly op: K;
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  readonly result: JobOps[K]['result'] | null;
  readonly error: IpcError | null;
  readonly startedAt: number | null;
  readonly finishedAt: number;
  /** Running time (0 for a job cancelled while queued). */
  readonly durationMs: number;
  readonly progress: JobProgress | null;
}

/** The `job:done` event: sent once per job, after its last progress event. */
export type JobOutcome = { [K in JobOp]: JobOutcomeOf<K> }[JobOp];
