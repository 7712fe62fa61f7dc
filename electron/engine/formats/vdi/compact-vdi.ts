// Compacting a dynamic VDI: the disk is written anew with only the blocks that hold a non-zero byte, packed in order,
// and renamed over the original (or written to the output), so a kill leaves the old image or the new one. Its image
// and modification UUIDs are kept: a child still finds it, and sees it unchanged (the content is).
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { BlockCounter, writeBlockContent } from '../../ops/write-content';
import type { Compaction } from '../driver';
import { withFreeBlocksZero } from '../../ops/free-blocks';
import type { FreeBlocks } from '../../ops/free-blocks';
import { isAllocated } from './structure';
import { VdiImage, hasParentLink } from './vdi-image';
import { VDI_BLOCK_SIZE, VdiWriter, checkVdiLayout, vdiDataOffset } from './vdi-writer';

function dynamicVdi(image: DiskImage): VdiImage {
  if (!(image instanceof VdiImage)) throw new RangeError(`${image.path} is not a VDI`);
  const { header } = image.structure;
  if (hasParentLink(image.structure))
    throw new PlatterError(
      'UNSUPPORTED',
      `${image.path} is a differencing VDI, which Platter does not compact yet`,
      'delete the snapshot in VirtualBox (it merges the disk into its parent), or convert it to a standalone disk with `platter convert`',
      { path: image.path },
    );
  if (header.type === 'fixed')
    throw new PlatterError(
      'NOT_COMPACTABLE',
      `${image.path} is a fixed VDI, which always holds every block`,
      'convert it to a dynamic VDI to reclaim space: `platter convert IN OUT.vdi --type dynamic`',
    );
  if (header.blockSize !== VDI_BLOCK_SIZE || header.blockExtra !== 0)
    throw new PlatterError(
      'UNSUPPORTED',
      `${image.path} has ${header.blockSize}-byte blocks${header.blockExtra ? ' with extra data' : ''}; Platter compacts VDIs of 1 MiB blocks only`,
      'compact it with VirtualBox: `VBoxManage modifymedium disk FILE --compact`',
      { path: image.path },
    );
  return image;
}

/** The dynamic VDI to compact, and the layout its new file has (a fixed or differencing one refused, before any work). */
function plan(disk: DiskImage) {
  const image = dynamicVdi(disk);
  const layout = { virtualSize: image.structure.virtualSize, type: 'dynamic' as const };
  checkVdiLayout(layout); // the new file is laid out as Platter writes VDIs (docs/vdi.md)
  return { image, layout };
}

/** The image with its blocks wholly in unused space reading as zeros (unread). */
function seenWith(image: VdiImage, free: FreeBlocks | null): DiskImage {
  return free ? withFreeBlocksZero(image, free) : image;
}

function heldFreeBlocks(image: VdiImage, free: FreeBlocks | null): number {
  if (!free) return 0;
  const s = image.structure;
  return Array.from(s.map.subarray(0, s.diskBlocks)).filter((e, block) => isAllocated(e) && free.isFree(block)).length;
}

/** Compact's steps for a dynamic VDI. */
export const vdiCompaction: Compaction = {
  blocksHeld(disk) {
    const { structure: s } = plan(disk).image;
    return s.map.subarray(0, s.diskBlocks).filter(isAllocated).length;
  },
  blockMap(disk) {
    const { structure: s } = plan(disk).image;
    return { blockSize: VDI_BLOCK_SIZE, held: (block) => block < s.diskBlocks && isAllocated(s.map[block]!) };
  },
  async estimate(disk, control, free) {
    const { image } = plan(disk);
    const pump = { ...control, phase: 'estimating', preallocate: false };
    const blocks = await writeBlockContent(seenWith(image, free), new BlockCounter(VDI_BLOCK_SIZE), pump);
    const size = vdiDataOffset(image.structure.diskBlocks) + blocks * VDI_BLOCK_SIZE;
    return { blocks, size, freeBlocks: heldFreeBlocks(image, free) };
  },
  async rewrite(file, disk, control, free) {
    const { image, layout } = plan(disk);
    const { uuid, modificationUuid } = image.structure.header;
    const writer = new VdiWriter(file, layout, { uuid, modificationUuid });
    const pump = { ...control, phase: 'compacting', preallocate: false };
    const size = await writeBlockContent(seenWith(image, free), writer, pump);
    return { blocks: writer.allocatedBlocks, size, freeBlocks: heldFreeBlocks(image, free) };
  },
};
