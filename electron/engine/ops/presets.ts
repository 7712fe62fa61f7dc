import { PlatterError } from '../errors';
import { DEFAULT_BLOCK_SIZE } from '../format/dynamic-header';
import { SECTOR, VHD_MAX_SIZE, alignUp } from '../format/fields';
import { MAX_GEOMETRY, geometryForSectors, geometrySectors } from '../format/geometry';

export type PresetName = 'azure' | 'hyperv' | 'virtualpc' | 'virtualbox' | 'qemu';

export interface Preset {
  readonly name: PresetName;
  readonly description: string;
  readonly type: 'fixed' | 'dynamic';
  readonly blockSize: number | null;
  /** The output's virtual size for a source of `size` bytes. */
  roundSize(size: number): number;
  /** Largest virtual size the target accepts. */
  readonly maxSize: number;
}

const MiB = 1024 * 1024;
/** Azure accepts fixed VHDs up to 32 TiB (plus the footer), beyond the 2040 GiB of dynamic VHDs. */
export const AZURE_MAX_SIZE = 32 * 1024 * 1024 * MiB;

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

export const PRESETS: Record<PresetName, Preset> = {
  azure: {
    name: 'azure',
    description: 'Azure upload: fixed VHD, size rounded up to a whole MiB, file size = size + 512',
    type: 'fixed',
    blockSize: null,
    roundSize: (size) => alignUp(size, MiB),
    maxSize: AZURE_MAX_SIZE,
  },
  hyperv: {
    name: 'hyperv',
    description: 'Hyper-V and Windows: dynamic VHD, 2 MiB blocks, exact size',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHD_MAX_SIZE,
  },
  virtualpc: {
    name: 'virtualpc',
    description:
      'Virtual PC: dynamic VHD, 2 MiB blocks, size rounded up to an exact CHS geometry so every byte is seen',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: roundUpToGeometry,
    maxSize: geometrySectors(MAX_GEOMETRY) * SECTOR,
  },
  virtualbox: {
    name: 'virtualbox',
    description: 'VirtualBox: dynamic VHD, 2 MiB blocks (its own default), exact size',
    type: 'dynamic',
    blockSize: DEFAULT_BLOCK_SIZE,
    roundSize: (size) => alignUp(size, SECTOR),
    maxSize: VHD_MAX_SIZE,
  },
  qemu: {
    name: 'qemu',
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
