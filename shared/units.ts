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

/** Job progress events are sent at most this often per job (4 a second). */
export const PROGRESS_INTERVAL_MS = 250;

export const PRESET_NAMES = [
  'azure',
  'hyperv',
  'hyperv-vhd',
  'wsl',
  'virtualpc',
  'virtualbox',
  'vmware',
  'esxi',
  'kvm',
  'proxmox',
  'qemu',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
