// Compacting a dynamic or differencing VHDX (a child: compact-vhdx-child.ts): the disk is written anew with only
// the blocks that hold a non-zero byte, packed in order, and renamed over the original (or written to the output): a kill leaves the old
// image or the new one, and no byte of the old file is changed in place, so the log is not needed. qemu-img's
// way to compact a VHDX is the same: converting it to a new one. Identity (DataWriteGuid, the Virtual Disk ID),
// block size and sector sizes are kept, so a child made from it stays valid.
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import type { Compacted, Compaction } from '../driver';
import { withFreeBlocksZero } from '../../ops/free-blocks';
import type { FreeBlocks } from '../../ops/free-blocks';
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
  free: FreeBlocks | null,
): Promise<Compacted> {
  const layout = vhdxLayoutOf(image);
  if (image.parent) {
    const { held, freeBlocks } = await copyChildBlocks(image, null, control, free);
    return { blocks: held, size: vhdxFileSize(layout, held), freeBlocks };
  }
  const blocks = await writeBlockContent(seenWith(image, free), new BlockCounter(layout.blockSize), {
    ...control,
    phase: 'estimating',
    preallocate: false,
  });
  return { blocks, size: vhdxFileSize(layout, blocks), freeBlocks: heldFreeBlocks(image, free) };
}

/** The image with its blocks wholly in unused space reading as zeros (unread), when there is unused space. */
function seenWith(image: VhdxImage, free: FreeBlocks | null): DiskImage {
  return free ? withFreeBlocksZero(image, free) : image;
}

function isHeld(state: string): boolean {
  return state === 'allocated' || state === 'partial';
}

/** Held blocks wholly in unused space: a disk of its own drops every one. */
function heldFreeBlocks(image: VhdxImage, free: FreeBlocks | null): number {
  if (!free) return 0;
  return image.blockStates().filter((s, block) => isHeld(s) && free.isFree(block)).length;
}

/** Writes the compacted disk into `file`; returns its blocks and file size. */
export async function rewriteVhdx(
  file: RandomAccessFile,
  image: VhdxImage,
  control: JobControl,
  free: FreeBlocks | null,
): Promise<Compacted> {
  const layout = vhdxLayoutOf(image);
  const identity = {
    dataWriteGuid: image.structure.header.dataWriteGuid,
    page83Data: image.structure.metadata.page83Data ?? image.structure.header.dataWriteGuid,
  };
  const writer = new VhdxWriter(file, layout, identity);
  if (image.parent) {
    const { freeBlocks } = await copyChildBlocks(image, writer, control, free);
    return { blocks: writer.allocatedBlocks, size: await writer.finish(), freeBlocks };
  }
  const pump = { ...control, phase: 'compacting', preallocate: false };
  const size = await writeBlockContent(seenWith(image, free), writer, pump);
  return { blocks: writer.allocatedBlocks, size, freeBlocks: heldFreeBlocks(image, free) };
}

function asVhdx(image: DiskImage): VhdxImage {
  if (!(image instanceof VhdxImage)) throw new TypeError(`${image.path} was not opened as a VHDX`);
  return image;
}

export const vhdxCompaction: Compaction = {
  blocksHeld(image) {
    const vhdx = asVhdx(image);
    vhdxLayoutOf(vhdx); // refuses a fixed VHDX before any work
    return vhdx.blockStates().filter(isHeld).length;
  },
  blockMap(image) {
    const vhdx = asVhdx(image);
    const states = vhdx.blockStates();
    return { blockSize: vhdx.blockSize, held: (block) => isHeld(states[block] ?? 'zero') };
  },
  estimate: (image, control, free) => estimateVhdxCompaction(asVhdx(image), control, free),
  rewrite: (file, image, control, free) => rewriteVhdx(file, asVhdx(image), control, free),
};
