// Compacting a dynamic or differencing VHDX (a child: compact-vhdx-child.ts): the disk is written anew with only
// the blocks that hold a non-zero byte, packed in order, and renamed over the original (or written to the output): a kill leaves the old
// image or the new one, and no byte of the old file is changed in place, so the log is not needed. qemu-img's
// way to compact a VHDX is the same: converting it to a new one. Identity (DataWriteGuid, the Virtual Disk ID),
// block size and sector sizes are kept, so a child made from it stays valid.
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import type { Compaction } from '../driver';
import { VhdxImage } from './vhdx-image';
import type { RandomAccessFile } from '../../io/random-access-file';
import { VhdxWriter, vhdxFileSize } from './vhdx-writer';
import type { VhdxLayout } from './vhdx-writer';
import type { JobControl } from '../../ops/progress';
import { BlockCounter, writeBlockContent } from '../../ops/write-content';
import { copyChildBlocks } from './compact-vhdx-child';

export function vhdxLayoutOf(image: VhdxImage): VhdxLayout {
  const m = image.structure.metadata;
  if (m.leaveBlocksAllocated)
    throw new PlatterError(
      'NOT_COMPACTABLE',
      `${image.path} is a fixed VHDX, which always holds every block`,
      'convert it to a dynamic VHDX to reclaim space: `platter convert IN OUT.vhdx --type dynamic`',
    );
  return {
    virtualSize: m.virtualSize,
    type: 'dynamic',
    blockSize: m.blockSize,
    logicalSectorSize: m.logicalSectorSize,
    physicalSectorSize: m.physicalSectorSize ?? 4096,
    // A child keeps its link as it is: the parent's DataWriteGuid and the paths the locator records.
    ...(m.hasParent && m.parentLocator ? { parentLocator: m.parentLocator.entries } : {}),
  };
}

/** Blocks and file size the compacted disk has; reads every allocated block (that is how zeros are found). */
export async function estimateVhdxCompaction(
  image: VhdxImage,
  control: JobControl,
): Promise<{ blocks: number; size: number }> {
  const layout = vhdxLayoutOf(image);
  const blocks = image.parent
    ? await copyChildBlocks(image, null, control)
    : await writeBlockContent(image, new BlockCounter(layout.blockSize), {
        ...control,
        phase: 'estimating',
        preallocate: false,
      });
  return { blocks, size: vhdxFileSize(layout, blocks) };
}

/** Writes the compacted disk into `file`; returns its blocks and file size. */
export async function rewriteVhdx(
  file: RandomAccessFile,
  image: VhdxImage,
  control: JobControl,
): Promise<{ blocks: number; size: number }> {
  const layout = vhdxLayoutOf(image);
  const identity = {
    dataWriteGuid: image.structure.header.dataWriteGuid,
    page83Data: image.structure.metadata.page83Data ?? image.structure.header.dataWriteGuid,
  };
  const writer = new VhdxWriter(file, layout, identity);
  if (image.parent) {
    await copyChildBlocks(image, writer, control);
    return { blocks: writer.allocatedBlocks, size: await writer.finish() };
  }
  const size = await writeBlockContent(image, writer, { ...control, phase: 'compacting', preallocate: false });
  return { blocks: writer.allocatedBlocks, size };
}

function asVhdx(image: DiskImage): VhdxImage {
  if (!(image instanceof VhdxImage)) throw new TypeError(`${image.path} was not opened as a VHDX`);
  return image;
}

export const vhdxCompaction: Compaction = {
  blocksHeld(image) {
    const vhdx = asVhdx(image);
    vhdxLayoutOf(vhdx); // refuses a fixed VHDX before any work
    return vhdx.blockStates().filter((s) => s === 'allocated' || s === 'partial').length;
  },
  estimate: (image, control) => estimateVhdxCompaction(asVhdx(image), control),
  rewrite: (file, image, control) => rewriteVhdx(file, asVhdx(image), control),
};
