import type { Hash } from 'node:crypto';
import { throwIfAborted } from '../errors';
import { setSectors } from '../formats/vhd/bitmap';
import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import { SECTOR } from '../formats/fields';
import type { Footer } from '../formats/vhd/footer';
import type { DiskImage, Extent } from '../image/disk-image';
import type { RandomAccessFile } from '../io/random-access-file';
import { PUMP_CHUNK, isAllZero } from './content-pump';
import type { ParentLink } from './parent-link';
import { progressReporter } from './progress';
import type { JobControl } from './progress';
import { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';
import type { BlockWriter } from './write-content';

/** Whether [start, start + length) lies inside zero extents only. */
function zeroOnly(extents: readonly Extent[], start: number, length: number): boolean {
  const end = start + length;
  return !extents.some((e) => e.kind === 'data' && e.offset < end && start < e.offset + e.length);
}

export interface DeltaOptions extends JobControl {
  readonly hash?: Hash;
}

/**
 * Writes a differencing child holding only the sectors where `source` differs from `parent`: unchanged blocks stay
 * unallocated and changed blocks carry bitmaps marking only the sectors the child holds.
 */
export async function writeDeltaContent(
  file: RandomAccessFile,
  source: DiskImage,
  parent: DiskImage,
  footer: Footer,
  header: DynamicHeader,
  link: ParentLink,
  options: DeltaOptions,
): Promise<{ fileSize: number; changedBlocks: number }> {
  const writer = new SparseVhdWriter(file, footer, header, link);
  const blockSize = header.blockSize;
  const [sourceExtents, parentExtents] = [await source.extents(), await parent.extents()];
  const pieceSize = Math.min(PUMP_CHUNK, blockSize);
  const ours = Buffer.alloc(pieceSize);
  const theirs = Buffer.alloc(pieceSize);
  const progress = progressReporter(options, 'comparing', source.virtualSize);
  for (let block = 0; block < header.maxTableEntries; block++) {
    throwIfAborted(options.signal);
    const start = block * blockSize;
    const used = Math.min(blockSize, source.virtualSize - start);
    if (zeroOnly(sourceExtents, start, used) && zeroOnly(parentExtents, start, used)) {
      options.hash?.update(new Uint8Array(used));
      progress.add(used);
      continue;
    }
    let bitmap: Uint8Array | null = null;
    for (let off = 0; off < used; off += pieceSize) {
      const n = Math.min(pieceSize, used - off);
      const a = ours.subarray(0, n);
      const b = theirs.subarray(0, n);
      await source.read(a, start + off);
      await parent.read(b, start + off);
      options.hash?.update(a);
      if (a.equals(b)) continue;
      bitmap ??= new Uint8Array(writer.bitmapSize);
      await writeDifferences(writer, block, off, a, b, bitmap);
    }
    if (bitmap) await writer.setBitmap(block, bitmap);
    progress.add(used);
  }
  progress.finish();
  return { fileSize: await writer.finish(), changedBlocks: writer.allocatedBlocks };
}

/**
 * Changes are kept in 4 KiB units, one whole bitmap byte (8 sectors) each, as Hyper-V does: libvhdi (20210425)
 * misreads a bitmap byte that mixes set and clear bits, and guests write whole 4 KiB pages anyway.
 */
export const DELTA_GRAIN = 8 * SECTOR;

/** Writes each run of 4 KiB units where `a` differs from `b` and marks them in the block's bitmap. */
async function writeDifferences(
  writer: SparseVhdWriter,
  block: number,
  offset: number,
  a: Buffer,
  b: Buffer,
  bitmap: Uint8Array,
): Promise<void> {
  const grains = Math.ceil(a.length / DELTA_GRAIN);
  let runStart = -1;
  for (let g = 0; g <= grains; g++) {
    const from = g * DELTA_GRAIN;
    const to = Math.min(from + DELTA_GRAIN, a.length);
    const differs = g < grains && a.compare(b, from, to, from, to) !== 0;
    if (differs && runStart < 0) runStart = g;
    if (!differs && runStart >= 0) {
      const start = runStart * DELTA_GRAIN;
      const end = Math.min(g * DELTA_GRAIN, a.length);
      await writer.writeData(block, offset + start, a.subarray(start, end));
      setSectors(bitmap, (offset + start) / SECTOR, (end - start) / SECTOR);
      runStart = -1;
    }
  }
}

/** A writer whose blocks the file holds whole (VHDX: "fully present"), never sector by sector. */
export interface WholeBlockWriter extends BlockWriter {
  /** Makes the block one the file holds; bytes never written read as zeros. */
  allocate(block: number): void;
}

/**
 * Writes every block where `source` differs from `parent` whole, zero runs left as holes; the others are left out
 * (read from the parent). Hashes all of `source` into `options.hash`. Returns how many blocks were written.
 */
export async function writeChangedBlocks(
  source: DiskImage,
  parent: DiskImage,
  writer: WholeBlockWriter,
  options: DeltaOptions,
): Promise<number> {
  const { blockSize } = writer;
  const [sourceExtents, parentExtents] = [await source.extents(), await parent.extents()];
  const pieceSize = Math.min(PUMP_CHUNK, blockSize);
  const ours = Buffer.alloc(pieceSize);
  const theirs = Buffer.alloc(pieceSize);
  const progress = progressReporter(options, 'comparing', source.virtualSize);
  const blocks = Math.ceil(source.virtualSize / blockSize);
  let changed = 0;
  const copy = async (block: number, offset: number, data: Uint8Array) => {
    if (!isAllZero(data)) await writer.writeData(block, offset, data);
  };
  for (let block = 0; block < blocks; block++) {
    throwIfAborted(options.signal);
    const start = block * blockSize;
    const used = Math.min(blockSize, source.virtualSize - start);
    if (zeroOnly(sourceExtents, start, used) && zeroOnly(parentExtents, start, used)) {
      options.hash?.update(new Uint8Array(used));
      progress.add(used);
      continue;
    }
    let differs = false;
    for (let off = 0; off < used; off += pieceSize) {
      const n = Math.min(pieceSize, used - off);
      const a = ours.subarray(0, n);
      await source.read(a, start + off);
      options.hash?.update(a);
      if (!differs) {
        const b = theirs.subarray(0, n);
        await parent.read(b, start + off);
        if (a.equals(b)) continue;
        // The first difference: the block is the child's from here on, and so is what came before it.
        differs = true;
        changed++;
        writer.allocate(block);
        for (let before = 0; before < off; before += pieceSize) {
          const earlier = theirs.subarray(0, pieceSize);
          await source.read(earlier, start + before);
          await copy(block, before, earlier);
        }
      }
      await copy(block, off, a);
    }
    progress.add(used);
  }
  progress.finish();
  return changed;
}
