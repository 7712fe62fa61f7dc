// The seam every image format plugs into, in the spirit of qemu's BlockDriver table: a format is one folder under
// formats/ with a driver, and one entry in formats/table.ts. Operations ask the driver (or its capabilities);
// none compares format names.
import type { FreeBlocks } from '../ops/free-blocks';
import type { DiskType, ImageCapabilities } from '../../../shared/image';
import type { PlatterError } from '../errors';
import type { DiskImage, ImageFormat } from '../image/disk-image';
import type { RandomAccessFile } from '../io/random-access-file';
import type { AddProblem } from '../ops/check-problems';
import type { JobControl } from '../ops/progress';
import type { OutputDriver } from './output';
import type { VdiInfo } from './vdi/vdi-info';
import type { Qcow2Info } from './qcow2/qcow2-info';
import type { ImageInfo } from './vhd/vhd-info';
import type { VhdxInfo } from './vhdx/vhdx-info';
import type { VmdkInfo } from './vmdk/vmdk-info';

/** Deepest differencing chain followed before giving up (Hyper-V itself stops far earlier). */
export const MAX_CHAIN_DEPTH = 64;

/** Opens a differencing disk's parent; the one opener (open-image.ts) owns the depth and cycle checks. */
export type ParentOpener = (path: string, options?: ParentOptions) => Promise<DiskImage>;

export interface ParentOptions {
  /** The child says its parent is a raw disk (a qcow2 backing file may be one): read it as such. */
  readonly allowRaw?: boolean;
}

/** A parent as the child records it, in one shape for every format. */
export interface ParentRecord {
  /** What the child's link names: the parent's UUID (VHD) or DataWriteGuid (VHDX). */
  readonly uuid: string;
  /** The name to show for it: the recorded file name, or the first recorded path. */
  readonly name: string;
  /** ISO 8601; null where the format records none. */
  readonly timestamp: string | null;
  readonly locators: readonly { readonly platform: string; readonly path: string | null }[];
  /** Where the parent was found (with the right identity), or null. */
  readonly resolvedPath: string | null;
}

/** Each format's own facts, as `platter info --json` prints them (a new format adds its own here). */
export type FormatInfo = ImageInfo | VhdxInfo | VdiInfo | VmdkInfo | Qcow2Info;

/** What `describe` reads from an image's headers and block table (never its data). */
export interface Description {
  readonly info: FormatInfo;
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly fileSize: number;
  /** Null for a format or type without blocks (fixed VHD). */
  readonly blockSize: number | null;
  /** Each block's state, worked out when asked; null when every byte is in the file (fixed disks). */
  readonly blockStates: () => readonly ('allocated' | 'partial' | 'zero' | 'parent')[] | null;
  /** Bytes of the virtual disk this file holds itself. */
  readonly allocatedBytes: number;
  /** What a child's link to this image names (see ParentRecord.uuid). */
  readonly identity: string;
  readonly parent: ParentRecord | null;
  /** Why `parent.resolvedPath` is null. */
  readonly parentError: PlatterError | null;
  readonly warnings: readonly string[];
  /** Who made it, in plain words ("Hyper-V", "qemu-img"), or the platform its format belongs to; null when unknown. */
  readonly madeBy: string | null;
  /** A layout the format names beyond the disk type, in plain words (a VMDK's createType); null when none. */
  readonly layout: string | null;
}

/** What `check --repair` changed (or would change). */
export interface RepairChange {
  /** The problem it fixes, as `check` names it. */
  readonly code: string;
  /** Where in the file it writes. */
  readonly offset: number;
  readonly message: string;
  /** For a dropped block: the virtual byte range [start, end) that now reads as zeros (or from the parent). */
  readonly virtualRange?: { readonly start: number; readonly end: number };
}

/** What a compaction keeps, or would keep: blocks, and the file's size. */
export interface Compacted {
  readonly blocks: number;
  readonly size: number;
  /** Held blocks dropped because they lie wholly in unused space (the rest of the dropped ones read as zeros). */
  readonly freeBlocks: number;
}

/**
 * Compaction of an image the driver opened; ops/compact.ts runs the steps around it (the claim, the new file and
 * its rename into place).
 */
export interface Compaction {
  /** The blocks the image holds now; refuses a type that cannot be compacted (NOT_COMPACTABLE, with a remedy). */
  blocksHeld(image: DiskImage): number;
  /** The block size and which blocks the image holds now (for the free-space report). */
  blockMap(image: DiskImage): { readonly blockSize: number; held(block: number): boolean };
  /**
   * What compacting would keep: reads every allocated block that is not wholly in `free` (that is how zeros are
   * found), writes nothing.
   */
  estimate(image: DiskImage, control: JobControl, free: FreeBlocks | null): Promise<Compacted>;
  /**
   * Writes the compacted image into the new, empty `file`: zero blocks and blocks wholly in `free` dropped (for a
   * child, only where its parent reads zeros), identity and links kept.
   */
  rewrite(file: RandomAccessFile, image: DiskImage, control: JobControl, free: FreeBlocks | null): Promise<Compacted>;
}

/**
 * Resizing an image the driver opened; ops/resize.ts does what every resize does around it (the claim, the roll-back
 * of an earlier change cut short, the look at what a shrink would cut off).
 */
export interface Resizing {
  /** Refuses a size the image cannot take, before any look at its data; answers its type. */
  check(image: DiskImage, newSize: number): DiskType;
  /**
   * Makes the change (a shrink's tail is known to read as zeros). `release` closes the image, for a change that
   * replaces the file (Windows cannot replace an open one).
   */
  resize(
    image: DiskImage,
    newSize: number,
    control: JobControl,
    release: () => Promise<void>,
  ): Promise<'in place' | 'rewritten'>;
}

export interface FormatDriver {
  readonly format: ImageFormat;
  /** How messages name it: "VHD", "VHDX", "raw disk image". */
  readonly name: string;
  /** File name endings, lower case, with the dot; the first is what new files of this format are named. */
  readonly extensions: readonly string[];
  /** Whether the file carries this format's signature. The raw driver answers yes to anything (it is last). */
  probe(file: RandomAccessFile): Promise<boolean>;
  /** Reads the image whose file is open, its parents through `openParent`. Closes nothing on failure. */
  open(file: RandomAccessFile, openParent: ParentOpener): Promise<DiskImage>;
  /** What a child's link names for the file at `path`, or null when it is not a readable image of this format. */
  identity(path: string): Promise<string | null>;
  /** The identity of the parent a differencing disk of this format at `path` links to, or null. */
  linkedParent?(path: string): Promise<string | null>;
  /** Writes the differencing `child` (opened by this driver, through its parent) into its parent; blocks merged. */
  merge?(child: DiskImage, control: JobControl): Promise<number>;
  /** Absent for raw: there is nothing to describe but its size. */
  describe?(path: string): Promise<Description>;
  /** Adds the structure's problems; absent for raw, which has no structure. */
  check?(file: RandomAccessFile, add: AddProblem): Promise<void>;
  /** Fixes what can be fixed without guessing, in place (or plans it, for a dry run). */
  repair?(file: RandomAccessFile, dryRun: boolean, control: JobControl): Promise<RepairOutcome>;
  /** Absent: Platter does not resize this format. */
  readonly resizing?: Resizing;
  /** Absent: Platter does not compact this format. */
  readonly compaction?: Compaction;
  /** What Platter can do with an image of this format and type. */
  capabilities(diskType: DiskType): ImageCapabilities;
  /** Absent: Platter does not write this format. */
  readonly output?: OutputDriver;
}

export interface RepairOutcome {
  /** What was changed (or, for a dry run, would be). */
  readonly changes: readonly RepairChange[];
  /** True when the image was changed (the caller checks it again). */
  readonly changed: boolean;
}
