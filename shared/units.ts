// Units and limits the renderer needs to validate input before it asks (main checks again).

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export const SECTOR_SIZE = 512;
/** Largest VHD virtual size: 0xFF000000 sectors (2040 GiB). */
export const VHD_MAX_SIZE = 0xff000000 * SECTOR_SIZE;
/** Azure accepts fixed VHDs up to 32 TiB. */
export const AZURE_MAX_SIZE = 32 * TiB;
export const DEFAULT_BLOCK_SIZE = 2 * MiB;
/** Block sizes a new dynamic VHD may have: powers of two in this range. Windows accepts 512 KiB and 2 MiB only. */
export const MIN_BLOCK_SIZE = 512 * KiB;
export const MAX_BLOCK_SIZE = 256 * MiB;
export const WINDOWS_BLOCK_SIZES: readonly number[] = [512 * KiB, 2 * MiB];

/** Job progress events are sent at most this often per job (4 a second). */
export const PROGRESS_INTERVAL_MS = 250;

export const PRESET_NAMES = ['azure', 'hyperv', 'virtualpc', 'virtualbox', 'qemu'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** File extensions the app opens as images; anything else with no VHD/VHDX signature is a raw disk. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.vhd', '.vhdx'];
export const RAW_EXTENSIONS: readonly string[] = ['.img', '.raw', '.bin', '.iso', '.dd'];
