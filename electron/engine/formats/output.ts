// The one writer interface for every output format: create and convert settle a layout with the format's driver
// (every option checked before a byte is written), then the driver writes the source's content through the one
// content pump (ops/content-pump.ts). A new, empty disk is written from a source of zeros.
import type { DiskImage } from '../image/disk-image';
import type { RandomAccessFile } from '../io/random-access-file';
import type { ContentOptions } from '../ops/write-content';
import type { DeltaOptions } from '../ops/delta-content';
import type { Preset } from '../ops/presets';

/** What the caller asks for; each driver refuses what its format cannot record, with the option to leave out. */
export interface OutputRequest {
  /** The source's size (convert) or the size asked for (create). */
  readonly size: number;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  /** Write every byte, zeros included (no holes). */
  readonly preallocate?: boolean;
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
  readonly preset?: Preset | null;
  /** Convert: a size that is not a whole sector of the new format grows to one (the source reads zeros there). */
  readonly roundUp?: boolean;
  /** A format's own layout (`--subformat`), for the formats whose output lists it in `formatOptions`. */
  readonly subformat?: string;
  /** The disk controller the descriptor names (`--adapter`), likewise. */
  readonly adapter?: string;
  /** Write the data compressed (`--compress`), for the formats whose output lists it in `formatOptions`. */
  readonly compress?: boolean;
  /** The new file's name: a VMDK named .ova is packaged as an appliance. */
  readonly fileName?: string;
}

/** Options only some formats take: each output driver lists those it reads. */
export type FormatOption = 'subformat' | 'adapter' | 'compress';

/** The settled shape of the new image. */
export interface OutputLayout {
  readonly virtualSize: number;
  /** Null for a raw image, which has no type. */
  readonly diskType: 'fixed' | 'dynamic' | null;
  readonly blockSize: number | null;
  readonly preallocate: boolean;
  readonly logicalSectorSize: 512 | 4096;
  readonly physicalSectorSize: 512 | 4096;
  /** As settled by a driver that takes them (see FormatOption). */
  readonly subformat?: string;
  readonly adapter?: string;
  /** The data is written compressed. */
  readonly compress?: boolean;
  /** The disk is packaged as an OVA: its OVF descriptor, the disk and a manifest in one tar. */
  readonly appliance?: boolean;
}

export interface Written {
  readonly fileSize: number;
  /** The new image's identity (VHD UUID, VHDX DataWriteGuid); null for raw. */
  readonly identity: string | null;
}

export interface OutputDriver {
  /** Checks the request (BAD_ARGUMENT or BAD_SIZE, with a remedy) and settles the layout. */
  layout(request: OutputRequest): OutputLayout;
  /** Writes `source` into the empty `file` as a new image of `layout`. */
  write(file: RandomAccessFile, source: DiskImage, layout: OutputLayout, pump: ContentOptions): Promise<Written>;
  /** The FormatOptions it takes; the others are refused before its layout is asked (formats/table.ts). */
  readonly formatOptions?: readonly FormatOption[];
  /** Differencing children of this format (create --parent, convert --parent, set-parent); absent: none. */
  readonly children?: ChildOutput;
}

/** What a child may ask for; everything else (its size above all) is its parent's. */
export interface ChildRequest {
  readonly blockSize?: number;
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
}

/** The settled shape of a new child. */
export interface ChildLayout {
  readonly virtualSize: number;
  readonly blockSize: number;
  readonly logicalSectorSize: 512 | 4096;
  readonly physicalSectorSize: 512 | 4096;
}

/** A child to write: its path (its locators name the parent relative to it), and its parent, open. */
export interface ChildTarget {
  readonly childPath: string;
  readonly parentPath: string;
  /** An image of the same format (the operation checks that before asking for a layout). */
  readonly parent: DiskImage;
}

export interface WrittenChild extends Written {
  readonly identity: string;
  /** Blocks the child holds. */
  readonly changedBlocks: number;
}

/** Writing and re-pointing differencing children of a format, as Hyper-V makes them. */
export interface ChildOutput {
  /** Checks the request against the parent (BAD_ARGUMENT, with a remedy) and settles the child's layout. */
  layout(parent: DiskImage, request: ChildRequest): ChildLayout;
  /**
   * Writes a child of `target.parent` into the empty `file`: holding what `source` has where it differs from the
   * parent (hashing all of `source` into `options.hash`), or nothing at all when `source` is null.
   */
  write(
    file: RandomAccessFile,
    target: ChildTarget,
    layout: ChildLayout,
    source: DiskImage | null,
    options: DeltaOptions,
  ): Promise<WrittenChild>;
  /**
   * Points the differencing child at `parentPath`, once its identity is checked to be the one the child records
   * (VHD_PARENT_MISMATCH otherwise, changing nothing); rewrites where the child says its parent lives, nothing
   * else. Returns the parent's identity.
   */
  setParent(childPath: string, parentPath: string): Promise<string>;
}
