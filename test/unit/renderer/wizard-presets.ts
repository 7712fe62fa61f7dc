// Presets as main describes them (electron/engine/ops/presets.ts), for the wizard tests.
import type { PresetInfo } from '../../../shared/ipc-contract';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

export const PRESETS: readonly PresetInfo[] = [
  {
    name: 'azure',
    format: 'vhd',
    description: 'Azure upload: fixed VHD',
    type: 'fixed',
    blockSize: null,
    maxSize: 32 * TiB,
    subformat: null,
    logicalSectorSize: null,
    physicalSectorSize: null,
  },
  {
    name: 'hyperv',
    format: 'vhdx',
    description: 'Hyper-V: dynamic VHDX, 32 MiB blocks',
    type: 'dynamic',
    blockSize: 32 * MiB,
    maxSize: 64 * TiB,
    subformat: null,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
  },
  {
    name: 'wsl',
    format: 'vhdx',
    description: 'WSL 2: dynamic VHDX, 1 MiB blocks',
    type: 'dynamic',
    blockSize: MiB,
    maxSize: 64 * TiB,
    subformat: null,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
  },
  {
    name: 'vmware',
    format: 'vmdk',
    description: 'VMware Workstation and Fusion: monolithicSparse VMDK',
    type: 'dynamic',
    blockSize: null,
    maxSize: 2000 * 1024 * MiB,
    subformat: 'monolithic-sparse',
    logicalSectorSize: null,
    physicalSectorSize: null,
  },
  {
    name: 'esxi',
    format: 'vmdk',
    description: 'ESXi and vCenter: streamOptimized VMDK',
    type: 'dynamic',
    blockSize: null,
    maxSize: 2000 * 1024 * MiB,
    subformat: 'stream-optimized',
    logicalSectorSize: null,
    physicalSectorSize: null,
  },
];
