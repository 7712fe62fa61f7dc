// What the main process says about an image: the facts `platter info --json` gives, plus what the Image view
// draws (allocation map, chain, consumer sizes, Azure readiness).
import type { IpcError } from './errors';

import type { FormatName } from './formats';

/** Formats whose structure the Image view describes. */
export type ImageFormat = Exclude<FormatName, 'raw'>;
/** Every format a file can be detected as. */
export type DetectedFormat = FormatName;
export type DiskType = 'fixed' | 'dynamic' | 'differencing';

export interface Geometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
}

/** One recorded path to the parent (VHD parent locator, or a VHDX locator entry). */
export interface ParentLocator {
  readonly platform: string;
  readonly path: string | null;
}

export interface ParentInfo {
  /** VHD: the parent's UUID; VHDX: the parent's DataWriteGuid (parent_linkage). */
  readonly uuid: string;
  readonly name: string;
  /** ISO 8601; null for VHDX, which records none. */
  readonly timestamp: string | null;
  readonly locators: readonly ParentLocator[];
  /** Where the parent was found (with the right identity), or null when it is missing. */
  readonly resolvedPath: string | null;
}

/**
 * One character per block, in block order: see BLOCK_STATE_CHARS. A string (not an array) so that a 2 TiB disk
 * of 1,000,000 blocks crosses IPC as 1 MB.
 */
export type BlockMap = string;

/** The characters of a BlockMap. */
export const BLOCK_STATE_CHARS = {
  /** Held in this file. */
  allocated: 'A',
  /** VHDX only: some sectors held in this file, the rest from the parent. */
  partial: 'P',
  /** Not held; reads as zeros. */
  zero: '0',
  /** Not held; read from the parent (differencing disks). */
  parent: 'p',
} as const;
export type BlockState = keyof typeof BLOCK_STATE_CHARS;

export interface AllocationMap {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly allocatedBlocks: number;
  readonly map: BlockMap;
}

/** The size each consumer reads (docs/vhd-format.md, "Which size is the size"). */
export interface ConsumerSizes {
  /** Hyper-V, Windows and Azure: current size. */
  readonly hyperV: number;
  readonly virtualBox: number;
  /** Virtual PC and Virtual Server: the CHS geometry. */
  readonly virtualPc: number;
  /** qemu-img 7.2: current size or geometry, by creator. */
  readonly qemuImg: number;
  /** True when not every consumer reads the same size. */
  readonly disagree: boolean;
}

export type AzureCheckId = 'format' | 'fixed' | 'whole-mib' | 'max-size' | 'file-size';

/** One rule of Azure's: `actual` and `expected` are what the renderer shows (bytes, or a format/type name). */
export interface AzureCheck {
  readonly id: AzureCheckId;
  readonly ok: boolean;
  readonly actual: string | number;
  readonly expected: string | number;
}

/** Azure uploads need a fixed VHD, a whole number of MiB, at most 32 TiB, and file size = size + 512. */
export interface AzureReadiness {
  readonly ready: boolean;
  readonly checks: readonly AzureCheck[];
}

/** A disk in a differencing chain, from the opened image (first) down to its base (last). */
export type ChainLink =
  | {
      readonly status: 'found';
      readonly path: string;
      readonly format: DetectedFormat;
      readonly diskType: DiskType;
      readonly virtualSize: number;
      readonly uuid: string;
    }
  | {
      /** The previous link's parent could not be found or read. The Fix flow runs set-parent on `childPath`. */
      readonly status: 'missing';
      readonly childPath: string;
      readonly expectedName: string;
      readonly expectedUuid: string;
      readonly error: IpcError;
    };

/** A file system found on a volume: blkid's name for it (ntfs, vfat, ext4, ...) and its label. */
export interface FileSystemFound {
  readonly type: string;
  readonly label: string | null;
}

export interface PartitionEntry {
  /** As Linux numbers them: MBR primaries 1-4, logical partitions from 5; GPT entries from 1. */
  readonly number: number;
  /** Bytes from the start of the disk. */
  readonly start: number;
  readonly size: number;
  /** MBR: the type byte as 0xNN; GPT: the type GUID. */
  readonly type: string;
  readonly typeName: string;
  /** GPT partition name. */
  readonly name: string | null;
  readonly bootable: boolean;
  readonly fileSystem: FileSystemFound | null;
}

/** What the disk holds: its partition table, or the whole disk's file system when it has none. */
export interface DiskContents {
  readonly scheme: 'mbr' | 'gpt' | null;
  /** MBR disk signature (0xNNNNNNNN) or GPT disk GUID. */
  readonly diskId: string | null;
  readonly partitions: readonly PartitionEntry[];
  readonly fileSystem: FileSystemFound | null;
}

/** What Platter can do with this image (the engine decides; the view offers only these actions). */
export interface ImageCapabilities {
  readonly compact: boolean;
  readonly resize: boolean;
  readonly merge: boolean;
  readonly setParent: boolean;
  readonly createChild: boolean;
  readonly repair: boolean;
}

/** How the summary line names a disk, in the engine's words (the view compares no format names). */
export interface DiskKind {
  /** The format as people write it: "VHD", "VHDX", "VMDK", "qcow2", "VDI". */
  readonly format: string;
  /** Who made the disk, or the platform its format belongs to, in plain words ("Hyper-V", "qemu-img"); null when unknown. */
  readonly madeBy: string | null;
  /** A layout the format names beyond fixed/dynamic/differencing (a VMDK's "stream-optimized"); null when none. */
  readonly layout: string | null;
}

/** The actions the Image view offers. */
export type ImageAction = 'convert' | 'compact' | 'check' | 'createChild' | 'resize' | 'merge' | 'hash';

/**
 * Why an action cannot run now: the parent disk is missing, another program writes or holds the disk, or Platter
 * does not do it for this format or for this type of disk.
 */
export type ActionBlock = 'parent-missing' | 'in-use-writing' | 'in-use-holding' | 'not-for-format' | 'not-for-type';

/** Each action: null when it can run, else why not (the view disables it and says why). */
export type ImageActions = Readonly<Record<ImageAction, ActionBlock | null>>;

interface DetailsBase {
  readonly path: string;
  readonly capabilities: ImageCapabilities;
  /** What the summary line says the disk is. */
  readonly kind: DiskKind;
  /** What can run on it now, from the capabilities, the chain and other programs' use. */
  readonly actions: ImageActions;
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly fileSize: number;
  /** Null for fixed disks. */
  readonly blockSize: number | null;
  readonly allocatedBlocks: number | null;
  readonly totalBlocks: number | null;
  /** Null for fixed disks (every byte is in the file). */
  readonly allocation: AllocationMap | null;
  readonly parent: ParentInfo | null;
  readonly chain: readonly ChainLink[];
  readonly azure: AzureReadiness;
  /**
   * Another program holds the disk: 'writing' (a running VM writes it: no change, no copy), 'holding' (it keeps
   * others from writing it: no change); null when no one does or the system cannot tell.
   */
  readonly inUse: 'writing' | 'holding' | null;
  /** Null when the content cannot be read (a missing parent). */
  readonly contents: DiskContents | null;
  readonly warnings: readonly string[];
}

/** A VHD: every field of `platter info --json`, plus the view's extras. */
export interface VhdDetails extends DetailsBase {
  readonly format: 'vhd';
  readonly creatorApp: string;
  readonly creatorVersion: string;
  readonly creatorHostOs: string;
  readonly uuid: string;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly geometry: Geometry;
  readonly originalSize: number;
  readonly currentSize: number;
  readonly checksumValid: boolean;
  readonly headerChecksumValid: boolean | null;
  /** 'head' when the footer at the end is damaged and the copy at the start is in use. */
  readonly footerSource: 'end' | 'head';
  readonly consumerSizes: ConsumerSizes;
}

export interface VhdxDetails extends DetailsBase {
  readonly format: 'vhdx';
  readonly logicalSectorSize: number;
  readonly physicalSectorSize: number | null;
  readonly dataWriteGuid: string;
  readonly fileWriteGuid: string;
  /** The file identifier's creator ("Microsoft Windows 10.0.18363.0"). */
  readonly creator: string;
}

export interface VdiDetails extends DetailsBase {
  readonly format: 'vdi';
  /** VirtualBox's name for the type: normal (dynamic), fixed, undo or diff. */
  readonly imageType: 'normal' | 'fixed' | 'undo' | 'diff';
  readonly version: string;
  readonly headerSize: number | null;
  readonly headerBlocksAllocated: number;
  readonly uuid: string;
  readonly modificationUuid: string;
  readonly comment: string;
  /** The pre-header's banner: who wrote the file ("<<< Oracle VM VirtualBox Disk Image >>>"). */
  readonly banner: string;
  readonly lchsGeometry: {
    readonly cylinders: number;
    readonly heads: number;
    readonly sectors: number;
    readonly sectorSize: number;
  } | null;
}

/** One extent a VMDK's descriptor lists. */
export interface VmdkExtentDetails {
  readonly access: string;
  readonly type: string;
  readonly sectors: number;
  /** Null for ZERO and NOACCESS extents. */
  readonly file: string | null;
  /** Flat extents: the byte in the file where the extent starts. */
  readonly fileOffset: number;
  /** Sparse extents: the header's fields. */
  readonly sparse: {
    readonly header: 'KDMV' | 'COWD';
    readonly version: number;
    readonly grainSize: number;
    readonly compressed: boolean;
    readonly capacity: number;
  } | null;
}

export interface VmdkDetails extends DetailsBase {
  readonly format: 'vmdk';
  readonly createType: string;
  readonly descriptorPath: string;
  readonly descriptorEmbedded: boolean;
  readonly ova: {
    readonly disk: string;
    readonly disks: readonly { readonly name: string; readonly size: number }[];
  } | null;
  readonly cid: string | null;
  readonly parentCid: string;
  readonly adapterType: string | null;
  readonly geometry: Geometry | null;
  readonly hwVersion: string | null;
  readonly extents: readonly VmdkExtentDetails[];
  readonly grainSize: number | null;
  readonly allocatedBytes: number;
}

export interface Qcow2Snapshot {
  readonly id: string;
  readonly name: string;
  /** ISO 8601. */
  readonly date: string;
  readonly vmStateSize: number;
  readonly diskSize: number | null;
}

export interface Qcow2Details extends DetailsBase {
  readonly format: 'qcow2';
  readonly version: number;
  readonly clusterSize: number;
  readonly compressionType: 'zlib' | 'zstd';
  readonly refcountBits: number;
  readonly extendedL2: boolean;
  readonly lazyRefcounts: boolean;
  readonly compressedClusters: number;
  readonly backingFile: {
    readonly name: string;
    readonly format: string | null;
    readonly resolvedPath: string | null;
  } | null;
  readonly snapshots: readonly Qcow2Snapshot[];
  readonly dirty: boolean;
  readonly corrupt: boolean;
}

export type ImageDetails = VhdDetails | VhdxDetails | VdiDetails | VmdkDetails | Qcow2Details;

export interface DetectResult {
  readonly path: string;
  readonly format: DetectedFormat;
  /** Whether the format has a structure the Image view describes (false for a raw disk). */
  readonly describable: boolean;
  readonly fileSize: number;
  /** For a raw disk, what it holds (an image's contents come with its details); null otherwise. */
  readonly contents: DiskContents | null;
  /** Bytes the guest sees (for a raw disk, the file's size); null when the image cannot be opened. */
  readonly virtualSize: number | null;
  /** For a raw disk that holds nothing a disk holds: what the file plainly is instead; null otherwise. */
  readonly notADisk: NotADiskHint | null;
}

/** What a file taken for a raw disk plainly is instead (electron/engine/contents/not-a-disk.ts). */
export type NotADiskHint = 'too-small' | 'text' | 'pdf' | 'archive' | 'picture';

export interface CheckProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly offset: number | null;
  readonly message: string;
}

export interface CheckReport {
  readonly path: string;
  readonly problems: readonly CheckProblem[];
  readonly clean: boolean;
}

export interface RecentImage {
  readonly path: string;
  /** Epoch milliseconds. */
  readonly openedAt: number;
  readonly format: DetectedFormat;
  readonly diskType: DiskType | null;
  readonly virtualSize: number | null;
}
