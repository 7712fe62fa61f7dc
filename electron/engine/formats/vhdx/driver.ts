// The VHDX driver: fixed, dynamic and differencing disks (Hyper-V, Windows 8 and later, WSL 2, Docker Desktop),
// read as their log's replay leaves them.
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import type { FormatDriver } from '../driver';
import { vhdxMadeBy } from '../made-by';
import { vhdxResizing } from './resize-vhdx';
import { vhdxCompaction } from './compact-vhdx';
import { hasVhdxSignature } from './file-identifier';
import { vhdxOutput } from './output';
import { checkVhdx } from './vhdx-check';
import { openVhdx, readVhdxDataWriteGuid, readVhdxParentLinkage } from './vhdx-image';
import { mergeVhdxChild } from './vhdx-merge';
import { readVhdxInfo } from './vhdx-info';
import { repairVhdx } from './vhdx-repair';

export const vhdxDriver: FormatDriver = {
  format: 'vhdx',
  name: 'VHDX',
  extensions: FORMAT_EXTENSIONS.vhdx,
  probe: async (file) => file.size >= 8 && hasVhdxSignature(await file.readAt(0, 8)),
  open: openVhdx,
  identity: readVhdxDataWriteGuid,
  linkedParent: readVhdxParentLinkage,
  merge: (child, control) => mergeVhdxChild(child, control),
  async describe(path) {
    const { info, states, parentError } = await readVhdxInfo(path);
    const p = info.parent;
    const byPlatform = (name: string) => p?.locators.find((l) => l.platform === name)?.path;
    return {
      info,
      diskType: info.diskType,
      virtualSize: info.virtualSize,
      fileSize: info.fileSize,
      blockSize: info.blockSize,
      blockStates: () => states,
      allocatedBytes: info.allocatedBlocks * info.blockSize,
      identity: info.dataWriteGuid,
      parent: p && {
        uuid: p.linkage,
        name: byPlatform('relative_path') ?? byPlatform('absolute_win32_path') ?? byPlatform('volume_path') ?? '',
        timestamp: null,
        locators: p.locators,
        resolvedPath: p.resolvedPath,
      },
      parentError,
      warnings: info.warnings,
      madeBy: vhdxMadeBy(info.creator),
      layout: null,
    };
  },
  check: checkVhdx,
  repair: (file, dryRun) => repairVhdx(file, dryRun),
  compaction: vhdxCompaction,
  resizing: vhdxResizing,
  capabilities: (diskType) => ({
    compact: diskType !== 'fixed',
    resize: true,
    merge: diskType === 'differencing',
    setParent: diskType === 'differencing',
    createChild: true,
    repair: true,
  }),
  output: vhdxOutput,
};
