// Compacting a dynamic VHDX: the disk is written anew with only the blocks that hold a
// non-zero byte, packed in order, and renamed over the original (or written to the output): a kill leaves the old
// image or the new one, and no byte of the old file is changed in place, so the log is not needed. qemu-img's
// way to compact a VHDX is the same: converting it to a new one. Identity (DataWriteGuid, the Virtual Disk ID),
// block size and sector sizes are kept, so a child made from it stays valid.
import { PlatterError } from '../../errors';
import type { VhdxImage } from './vhdx-image';
import type { RandomAccessFile } from '../../io/random-access-file';
import { VhdxWriter, vhdxFileSize } from './vhdx-writer';
import type { VhdxLayout } from './vhdx-writer';
import type { JobControl } from '../../ops/progress';
import { BlockCounter, writeBlockContent } from '../../ops/write-content';
import type { Compaction } from '../driver';

export function vhdxLayoutOf(image: VhdxImage): VhdxLayout {
  const m = image.structure.metadata;
  if (m.hasParent)
    throw new PlatterError(
      'UNSUPPORTED',
      `${image.path} is a differencing VHDX, which Platter does not compact yet`,
      'merge it into its parent with Hyper-V (Merge-VHD), or convert it to a standalone disk with `platter convert`',
      { path: image.path },
    );
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
  };
}

/** Blocks and file size the compacted disk has; reads every allocated block (that is how zeros are found). */
export async function estimateVhdxCompaction(
  image: VhdxImage,
  control: JobControl,
): Promise<{ blocks: number; size: number }> {
  const layout = vhdxLayoutOf(image);
  const blocks = await writeBlockContent(image, new BlockCounter(layout.blockSize), {
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
  const size = await writeBlockContent(image, writer, { ...control, phase: 'compacting', preallocate: false });
  return { blocks: writer.allocatedBlocks, size };
}

/** Compact's steps for a dynamic VHDX (a fixed or differencing one refused here, before any work). */
export function vhdxCompaction(image: VhdxImage): Compaction {
  vhdxLayoutOf(image);
  return {
    blocksBefore: image.blockStates().filter((s) => s === 'allocated' || s === 'partial').length,
    estimate: (control) => estimateVhdxCompaction(image, control),
    rewrite: (file, control) => rewriteVhdx(file, image, control),
  };
}
