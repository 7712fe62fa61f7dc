// The VDI driver: VirtualBox's fixed, dynamic (normal) and differencing disks. Written as VirtualBox 7 writes them;
// compacted by writing it anew; no other in-place change yet (resize, merge, set-parent, repair: docs/vdi.md).
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import { namingPath } from '../../errors';
import type { FormatDriver } from '../driver';
import { vdiMadeBy } from '../made-by';
import { vdiCompaction } from './compact-vdi';
import { hasVdiSignature } from './header';
import { vdiOutput } from './output';
import { readVdiHeaderAt } from './parent';
import { checkVdi } from './vdi-check';
import { openVdi } from './vdi-image';
import { readVdiInfo } from './vdi-info';

export const vdiDriver: FormatDriver = {
  format: 'vdi',
  name: 'VDI',
  extensions: FORMAT_EXTENSIONS.vdi,
  probe: async (file) => file.size >= 0x44 && hasVdiSignature(await file.readAt(0, 0x44)),
  open: openVdi,
  identity: async (path) => (await readVdiHeaderAt(path))?.uuid ?? null,
  async linkedParent(path) {
    const header = await readVdiHeaderAt(path);
    return header && (header.type === 'diff' || header.type === 'undo') ? header.parentUuid : null;
  },
  async describe(path) {
    const { info, states, parentError } = await namingPath(path, () => readVdiInfo(path));
    return {
      info,
      diskType: info.diskType,
      virtualSize: info.virtualSize,
      fileSize: info.fileSize,
      blockSize: info.blockSize,
      blockStates: () => states,
      allocatedBytes: Math.min(info.allocatedBlocks * info.blockSize, info.virtualSize),
      identity: info.uuid,
      parent: info.parent && {
        uuid: info.parent.uuid,
        name: `UUID ${info.parent.uuid}`,
        timestamp: null,
        locators: [],
        resolvedPath: info.parent.resolvedPath,
      },
      parentError,
      warnings: info.warnings,
      madeBy: vdiMadeBy(info.banner),
      layout: null,
    };
  },
  compaction: vdiCompaction,
  check: (file, add) => checkVdi(file, add),
  capabilities: (diskType) => ({
    compact: diskType === 'dynamic',
    resize: false,
    merge: false,
    setParent: false,
    createChild: false,
    repair: false,
  }),
  output: vdiOutput,
};
