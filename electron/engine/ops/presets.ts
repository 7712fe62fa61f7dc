import { OUTPUT_OPTIONS } from '../../../shared/formats';
import { AZURE_MAX_SIZE, MiB } from '../../../shared/units';
import type { PresetName } from '../../../shared/units';
import { PlatterError } from '../errors';
import { DEFAULT_BLOCK_SIZE } from '../formats/vhd/dynamic-header';
import { DEFAULT_VHDX_BLOCK_SIZE } from '../formats/vhdx/vhdx-writer';
import { VHDX_MAX_SIZE } from '../formats/vhdx/fields';
import { SECTOR, VHD_MAX_SIZE, alignUp } from '../formats/fields';
import { MAX_GEOMETRY, geometryForSectors, geometrySectors } from '../formats/vhd/geometry';

export type { PresetName } from '../../../shared/units';
import type { ImageFormatName } from '../../../shared/formats';

export interface Preset {
  readonly name: PresetName;
  /** The format the preset writes (a conversion's output is named after it). */
  readonly format: ImageFormatName;
  /** A VMDK's subformat (as --subformat names it). */
  readonly subformat?: string;
  readonly description: string;
  readonly type: 'fixed' | 'dynamic';
  readonly blockSize: number | null;
  /** The output's virtual size for a source of `size` bytes. */
  roundSize(size: number): number;
  /** Largest virtual size the target accepts. */
  readonly maxSize: number;
  /** VHDX only: the sector sizes the disk records. */
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
}

/** The smallest size of at least `size` bytes whose CHS geometry covers it exactly, so Virtual PC sees every byte. */
export function roundUpToGeometry(size: number): number {
  let sectors = Math.ceil(size / SECTOR);
  for (let i = 0; i < 64; i++) {
    const g = geometryForSectors(sectors);
    const covered = geometrySectors(g);
    if (covered === sectors) return sectors * SECTOR;
    if (covered > geometrySectors(MAX_GEOMETRY) - 1 || g.cylinders >= 65535) break;
    sectors = (g.cylinders + 1) * g.heads * g.sectorsPerTrack;
  }
  throw new PlatterError(
    'BAD_SIZE',
    `${size} bytes is more than Virtual PC can address (about 127 GiB)`,
    'use the hyperv preset, or a smaller disk',
  );
}

export const PRESETS: { readonly [N in PresetName]: Preset & { readonly name: N } } = {
  azure: {
    name: 'azure',
    format: 'vhd',
    description: 'Azure upload: fixed VHD, size rounded up to a whole MiB, file size = size + 512',
    type: 'fixed',
    blockSize: null,
    roundSize: (size) => alignUp(size, MiB),
    maxSize: AZURE_MAX_SIZE,
  },
  hyperv: {
    name: 'hyperv',
    format: 'vhdx',
    description:
      'Hyper-V (Generation 1 and 2) and Windows 8 or later: dynamic VHDX, 32 MiB blocks, as Hyper-V makes them',
    type: 'dynamic',
    blockSize: DEFAULT_VHDX_BLOCK_SIZE,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHDX_MAX_SIZE,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
  },
  'hyperv-vhd': {
    name: 'hyperv-vhd',
    format: 'vhd',
    description: 'older Hyper-V and Windows 7: dynamic VHD, 2 MiB blocks, exact size',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHD_MAX_SIZE,
  },
  wsl: {
    name: 'wsl',
    format: 'vhdx',
    description:
      'WSL 2 and Docker Desktop: dynamic VHDX, 1 MiB blocks, 512-byte sectors (4096 physical), as WSL makes ext4.vhdx',
    type: 'dynamic',
    blockSize: MiB,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHDX_MAX_SIZE,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
  },
  virtualpc: {
    name: 'virtualpc',
    format: 'vhd',
    description:
      'Virtual PC: dynamic VHD, 2 MiB blocks, size rounded up to an exact CHS geometry so every byte is seen',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: roundUpToGeometry,
    maxSize: geometrySectors(MAX_GEOMETRY) * SECTOR,
  },
  virtualbox: {
    name: 'virtualbox',
    format: 'vdi',
    description: 'VirtualBox: dynamic VDI, 1 MiB blocks, as VirtualBox 7 creates them (fresh UUIDs)',
    type: 'dynamic',
    blockSize: MiB,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: OUTPUT_OPTIONS.vdi.maxSize,
  },
  vmware: {
    name: 'vmware',
    format: 'vmdk',
    description:
      'VMware Workstation and Fusion: monolithicSparse VMDK, LSI Logic adapter, attached as it is (see docs/vmdk.md)',
    type: 'dynamic',
    blockSize: null,
    subformat: 'monolithic-sparse',
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: OUTPUT_OPTIONS.vmdk.maxSize,
  },
  esxi: {
    name: 'esxi',
    format: 'vmdk',
    description:
      'ESXi and vCenter (OVF import, Deploy OVF Template, cloud image import): streamOptimized VMDK, LSI Logic adapter',
    type: 'dynamic',
    blockSize: null,
    subformat: 'stream-optimized',
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: OUTPUT_OPTIONS.vmdk.maxSize,
  },
  kvm: {
    name: 'kvm',
    format: 'qcow2',
    description: 'KVM, libvirt and OpenStack: qcow2 version 3, 64 KiB clusters, as qemu-img creates it',
    type: 'dynamic',
    blockSize: 64 * 1024,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: OUTPUT_OPTIONS.qcow2.maxSize,
  },
  proxmox: {
    name: 'proxmox',
    format: 'qcow2',
    description: 'Proxmox VE: qcow2 version 3, 64 KiB clusters (what a Proxmox directory storage holds)',
    type: 'dynamic',
    blockSize: 64 * 1024,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: OUTPUT_OPTIONS.qcow2.maxSize,
  },
  qemu: {
    name: 'qemu',
    format: 'vhd',
    description: 'qemu / KVM: dynamic VHD, 2 MiB blocks, exact size (read like qemu-img force_size images)',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHD_MAX_SIZE,
  },
};

export function presetNamed(name: string): Preset {
  const preset = (PRESETS as Record<string, Preset | undefined>)[name];
  if (!preset) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      `there is no preset "${name}"`,
      `use one of ${Object.keys(PRESETS).join(', ')}`,
    );
  }
  return preset;
}
