// The VMDK driver: VMware's disks (Workstation, ESXi, OVF exports) in every layout a descriptor can name, read
// through their descriptor whichever of their files is opened. Nothing is changed in place yet.
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { FormatDriver } from '../driver';
import { layoutWords } from './layout-words';
import { ascii } from '../fields';
import { looksLikeDescriptor } from './descriptor';
import { siblingDescriptor } from './locate';
import { looksLikeOva } from './ova';
import { COWD, KDMV } from './sparse-header';
import { vmdkOutput } from './output';
import { checkVmdk } from './vmdk-check';
import { openVmdk, readVmdkCid, readVmdkParentCid } from './vmdk-image';
import { readVmdkInfo } from './vmdk-info';

/**
 * A sparse extent's signature, a descriptor's first lines, an OVA (a tar whose first member is the .ovf), or (a flat extent has no signature) a descriptor beside
 * the file, named after it, that lists it as an extent.
 */
async function probeVmdk(file: RandomAccessFile): Promise<boolean> {
  const head = await file.readAt(0, Math.min(1024, file.size));
  const magic = ascii(head, 0, 4);
  if (magic === KDMV || magic === COWD || looksLikeDescriptor(ascii(head, 0, head.length))) return true;
  if (looksLikeOva(head)) return true;
  return (await siblingDescriptor(file.path).catch(() => null)) !== null;
}

export const vmdkDriver: FormatDriver = {
  format: 'vmdk',
  name: 'VMDK',
  extensions: FORMAT_EXTENSIONS.vmdk,
  probe: probeVmdk,
  open: openVmdk,
  identity: readVmdkCid,
  linkedParent: readVmdkParentCid,
  async describe(path) {
    const { info, states, parentError } = await readVmdkInfo(path);
    const p = info.parent;
    return {
      info,
      diskType: info.diskType,
      virtualSize: info.virtualSize,
      fileSize: info.fileSize,
      blockSize: info.blockSize,
      blockStates: () => states,
      allocatedBytes: info.allocatedBytes,
      identity: info.cid ?? '',
      parent: p && {
        uuid: p.cid,
        name: p.fileNameHint ?? '',
        timestamp: null,
        locators: [{ platform: 'parentFileNameHint', path: p.fileNameHint }],
        resolvedPath: p.resolvedPath,
      },
      parentError,
      warnings: info.warnings,
      madeBy: 'VMware',
      layout: layoutWords(info.createType),
    };
  },
  check: checkVmdk,
  output: vmdkOutput,
  capabilities: () => ({
    compact: false,
    resize: false,
    merge: false,
    setParent: false,
    createChild: false,
    repair: false,
  }),
};
