// Compacting a differencing VHDX: its blocks are copied into the new file as they are (held whole, held in part
// with their sector bitmaps, or zero), except those that read as zeros both in the child and in its parent: those
// are left to the parent, which reads zeros there too. A child's zeros over data of the parent are kept. A block
// wholly in unused space (ops/free-blocks.ts) is not read: dropped where the parent reads zeros, else a zero block.
import { throwIfAborted } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { PUMP_CHUNK, forEachDataRun, isAllZero } from '../../ops/content-pump';
import { progressReporter } from '../../ops/progress';
import type { JobControl } from '../../ops/progress';
import type { FreeBlocks } from '../../ops/free-blocks';
import { bitRuns } from './sector-bitmap';
import type { VhdxImage } from './vhdx-image';
import type { VhdxWriter } from './vhdx-writer';

/** Whether [start, start + length) of `image` reads as zeros (past its end it does). */
async function readsAsZero(image: DiskImage, start: number, length: number, piece: Uint8Array): Promise<boolean> {
  const inImage = Math.max(0, Math.min(length, image.virtualSize - start));
  for (let done = 0; done < inImage; done += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, inImage - done));
    await image.read(part, start + done);
    if (!isAllZero(part)) return false;
  }
  return true;
}

/** Copies [start, start + length) of the child into its block, zero runs left as holes. */
async function copyRun(
  image: VhdxImage,
  writer: VhdxWriter,
  block: number,
  inBlock: number,
  length: number,
  piece: Uint8Array,
): Promise<void> {
  const start = block * image.blockSize + inBlock;
  for (let done = 0; done < length; done += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, length - done));
    await image.read(part, start + done);
    await forEachDataRun(part, inBlock + done, (data, at) => writer.writeData(block, at, data));
  }
}

/**
 * Copies the child's blocks into `writer` (or, without one, only counts them); returns how many the new file
 * holds. Each block is read through the child; a block that reads as zeros is read in the parent too.
 */
export async function copyChildBlocks(
  image: VhdxImage,
  writer: VhdxWriter | null,
  control: JobControl,
  free: FreeBlocks | null,
): Promise<{ held: number; freeBlocks: number }> {
  const parent = image.parent!;
  const { blockSize, logicalSectorSize } = image;
  const blocks = image.structure.geometry.payloadBlocks;
  const progress = progressReporter(control, writer ? 'compacting' : 'estimating', image.virtualSize);
  const piece = new Uint8Array(Math.min(PUMP_CHUNK, blockSize));
  let held = 0;
  let freeBlocks = 0;
  for (let block = 0; block < blocks; block++) {
    throwIfAborted(control.signal);
    const source = image.blockSource(block);
    const start = block * blockSize;
    const used = Math.min(blockSize, image.virtualSize - start);
    progress.add(used);
    if (source === 'beneath') continue;
    if (free?.isFree(block)) {
      // Unused space: left to the parent where it reads zeros too, else a zero block (no data) hides its bytes.
      if (await readsAsZero(parent, start, used, piece)) freeBlocks++;
      else writer?.markZero(block);
      continue;
    }
    if ((await readsAsZero(image, start, used, piece)) && (await readsAsZero(parent, start, used, piece))) continue;
    if (source === 'zero') {
      writer?.markZero(block);
      continue;
    }
    held++;
    if (!writer) continue;
    if (source === 'file') {
      writer.allocate(block);
      await copyRun(image, writer, block, 0, used, piece);
      continue;
    }
    const bitmap = await image.blockBitmap(block);
    await writer.allocatePartial(block, bitmap);
    for (const run of bitRuns(bitmap, 0, Math.ceil(used / logicalSectorSize))) {
      if (!run.set) continue;
      const from = run.first * logicalSectorSize;
      await copyRun(image, writer, block, from, Math.min(run.count * logicalSectorSize, used - from), piece);
    }
  }
  progress.finish();
  return { held, freeBlocks };
}
