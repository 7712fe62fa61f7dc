// What the app knows of each image format before it asks: the file name endings, and what a new image of each
// writable format takes. The engine's format drivers (electron/engine/formats/) read the same table, so a wizard
// offers exactly the options the engine accepts.
import { GiB, KiB, MiB, TiB, VHD_MAX_SIZE } from './units';

export const FORMAT_EXTENSIONS = {
  vhd: ['.vhd'],
  vhdx: ['.vhdx', '.avhdx'],
  vdi: ['.vdi'],
  // An OVA is read as the VMDK inside it, and written as an appliance holding one.
  vmdk: ['.vmdk', '.ova'],
  qcow2: ['.qcow2', '.qcow'],
  raw: ['.img', '.raw', '.bin', '.iso', '.dd'],
} as const;

export type FormatName = keyof typeof FORMAT_EXTENSIONS;
export const FORMAT_NAMES = Object.keys(FORMAT_EXTENSIONS) as FormatName[];
/** The formats with a structure of their own: what `create` makes (raw has none). */
export type ImageFormatName = Exclude<FormatName, 'raw'>;

/** File extensions the app opens as images; anything else with no signature is a raw disk. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ...FORMAT_EXTENSIONS.vhd,
  ...FORMAT_EXTENSIONS.vhdx,
  ...FORMAT_EXTENSIONS.vdi,
  ...FORMAT_EXTENSIONS.vmdk,
  ...FORMAT_EXTENSIONS.qcow2,
];
export const RAW_EXTENSIONS: readonly string[] = FORMAT_EXTENSIONS.raw;

export interface BlockSizeRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** The sizes every consumer of the format accepts (Windows takes only these for a VHD). */
  readonly portable: readonly number[];
}

/** What a new image of a format can be asked to be. */
export interface OutputOptions {
  /** What the wizard calls it. */
  readonly label: string;
  /** The types it can be created as; empty for raw, which has none. */
  readonly types: readonly ('fixed' | 'dynamic')[];
  /** Powers of two in this range, for dynamic disks; null when the format has no blocks. */
  readonly blockSizes: BlockSizeRange | null;
  /** Whether it records logical and physical sector sizes (512 or 4096). */
  readonly sectorSizes: boolean;
  /** Whether every byte can be written out (a fixed VHD or raw image with no holes). */
  readonly preallocate: boolean;
  /** Largest virtual size, in bytes. */
  readonly maxSize: number;
  /** Whether the Image view can open what is written. */
  readonly describable: boolean;
  /** Its own layouts (`--subformat`), the default first; empty when it has none to choose from. */
  readonly subformats: readonly string[];
  /** The disk controllers it can record (`--adapter`), the default first; empty when it records none. */
  readonly adapters: readonly string[];
  /** Whether its data can be written compressed (`--compress`). */
  readonly compress: boolean;
}

export const OUTPUT_OPTIONS: { readonly [F in FormatName]: OutputOptions } = {
  vhd: {
    label: 'VHD',
    types: ['dynamic', 'fixed'],
    blockSizes: { min: 512 * KiB, max: 256 * MiB, default: 2 * MiB, portable: [512 * KiB, 2 * MiB] },
    sectorSizes: false,
    preallocate: true,
    maxSize: VHD_MAX_SIZE,
    describable: true,
    subformats: [],
    adapters: [],
    compress: false,
  },
  vhdx: {
    label: 'VHDX',
    types: ['dynamic', 'fixed'],
    blockSizes: { min: 1 * MiB, max: 256 * MiB, default: 32 * MiB, portable: [1 * MiB, 32 * MiB] },
    sectorSizes: true,
    preallocate: false,
    maxSize: 64 * TiB,
    describable: true,
    subformats: [],
    adapters: [],
    compress: false,
  },
  // VirtualBox's own: 1 MiB blocks only (qemu-img reads no other), at most 4 TiB (the block map is held whole).
  vdi: {
    label: 'VDI',
    types: ['dynamic', 'fixed'],
    blockSizes: { min: 1 * MiB, max: 1 * MiB, default: 1 * MiB, portable: [1 * MiB] },
    sectorSizes: false,
    preallocate: false,
    maxSize: 4 * TiB,
    describable: true,
    subformats: [],
    adapters: [],
    compress: false,
  },
  vmdk: {
    label: 'VMDK',
    // Platter writes sparse VMDKs only, with VMware's 64 KiB grains.
    types: ['dynamic'],
    blockSizes: null,
    sectorSizes: false,
    preallocate: false,
    // Grain tables hold 32-bit sector numbers: the whole file, metadata and grains, must stay under 2 TiB.
    maxSize: 2000 * GiB,
    describable: true,
    // The engine's names (formats/vmdk/output.ts SUBFORMATS, new-descriptor.ts ADAPTERS).
    subformats: ['monolithic-sparse', 'stream-optimized'],
    adapters: ['lsilogic', 'ide', 'pvscsi'],
    compress: false,
  },
  qcow2: {
    label: 'qcow2',
    types: ['dynamic'],
    blockSizes: { min: 512, max: 2 * MiB, default: 64 * KiB, portable: [64 * KiB] },
    sectorSizes: false,
    preallocate: false,
    maxSize: 64 * TiB,
    describable: true,
    subformats: [],
    adapters: [],
    compress: true,
  },
  raw: {
    label: 'raw disk image',
    types: [],
    blockSizes: null,
    sectorSizes: false,
    preallocate: true,
    maxSize: Number.MAX_SAFE_INTEGER,
    describable: false,
    subformats: [],
    adapters: [],
    compress: false,
  },
};

export const SECTOR_SIZES: readonly (512 | 4096)[] = [512, 4096];

/** Every subformat and adapter some format takes (what a request may name). */
export const ALL_SUBFORMATS = [...new Set(Object.values(OUTPUT_OPTIONS).flatMap((o) => o.subformats))];
export const ALL_ADAPTERS = [...new Set(Object.values(OUTPUT_OPTIONS).flatMap((o) => o.adapters))];

/** The formats `create` makes, as the contract names them. */
export const IMAGE_FORMAT_NAMES = FORMAT_NAMES.filter((f) => OUTPUT_OPTIONS[f].describable) as ImageFormatName[];
