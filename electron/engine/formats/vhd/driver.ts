// The VHD driver: fixed, dynamic and differencing disks (Virtual PC, Hyper-V, Azure, VirtualBox, qemu's vpc).
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import type { FormatDriver } from '../driver';
import { vhdMadeBy } from '../made-by';
import { vhdResizing } from './resize-vhd';
import { vhdOutput } from './output';
import { findParent, readParentReference } from './parent-reference';
import { probeVhd, readVhdUuid } from './probe';
import { checkVhd } from './vhd-check';
import { vhdCompaction } from './vhd-compaction';
import { mergeVhdChild, vhdLinkedParent } from './vhd-merge';
import { VhdImage } from './vhd-image';
import { readVhdInfo } from './vhd-info';
import { repairVhd } from './vhd-repair';
import { readVhdStructure } from './vhd-structure';

export const vhdDriver: FormatDriver = {
  format: 'vhd',
  name: 'VHD',
  extensions: FORMAT_EXTENSIONS.vhd,
  probe: probeVhd,
  async open(file, openParent) {
    const structure = await readVhdStructure(file);
    if (structure.footer.diskType !== 'differencing') return new VhdImage(file, structure, null);
    const ref = await readParentReference(file, structure.header!, []);
    return new VhdImage(file, structure, await openParent(await findParent(file.path, ref, readVhdUuid)));
  },
  identity: readVhdUuid,
  linkedParent: vhdLinkedParent,
  merge: mergeVhdChild,
  async describe(path) {
    const { info, states, allocatedBytes, parentError } = await readVhdInfo(path);
    return {
      info,
      diskType: info.diskType,
      virtualSize: info.virtualSize,
      fileSize: info.fileSize,
      blockSize: info.blockSize,
      blockStates: states,
      allocatedBytes,
      identity: info.uuid,
      parent: info.parent,
      parentError,
      warnings: info.warnings,
      madeBy: vhdMadeBy(info.creatorApp),
      layout: null,
    };
  },
  async check(file, add) {
    await checkVhd(file, add);
  },
  repair: repairVhd,
  compaction: vhdCompaction,
  resizing: vhdResizing,
  capabilities: (diskType) => ({
    compact: diskType !== 'fixed',
    resize: true,
    merge: diskType === 'differencing',
    setParent: diskType === 'differencing',
    createChild: true,
    repair: true,
  }),
  output: vhdOutput,
};
