import type { Hash } from 'node:crypto';
import { setSectors } from '../formats/vhd/bitmap';
import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import { SECTOR } from '../formats/fields';
import type { Footer } from '../formats/vhd/footer';
import type { DiskImage } from '../image/disk-image';
import type { RandomAccessFile } from '../io/random-access-file';
import { PUMP_CHUNK, isAllZero, pumpContent } from './content-pump';
import { blockPieces } from '../image/layers';
import type { ParentLink } from './parent-link';
import type { JobControl } from './progress';
import { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';
import type { BlockWriter } from './write-content';

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
  // The block being written and what it holds so far; runs arrive in order, so one block is open at a time.
  let open: { block: number; bitmap: Uint8Array; writes: Promise<unknown>[] } | null = null;
  const closeBlock = (): Promise<unknown> => {
    if (!open) return Promise.resolve();
    const { block, bitmap, writes } = open;
    open = null;
    // Allocating the block wrote a full bitmap: the child's own goes over it once the block's writes are done.
    return Promise.all(writes).then(() => writer.setBitmap(block, bitmap));
  };
  await pumpContent(
    source,
    (ours, position, theirs) => {
      const started: Promise<unknown>[] = [];
      for (const { block, inBlock, from, to } of blockPieces(position, ours.length, writer.blockSize)) {
        const [a, b] = [ours.subarray(from, to), theirs!.subarray(from, to)];
        if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)) continue;
        if (open?.block !== block) {
          started.push(closeBlock());
          open = { block, bitmap: new Uint8Array(writer.bitmapSize), writes: [] };
        }
        const writes = writeDifferences(writer, block, inBlock, a, b, open.bitmap);
        open.writes.push(...writes);
        started.push(...writes);
      }
      return Promise.all(started).then(() => undefined);
    },
    { ...options, phase: 'comparing', beside: parent },
  );
  await closeBlock();
  return { fileSize: await writer.finish(), changedBlocks: writer.allocatedBlocks };
}

/**
 * Changes are kept in 4 KiB units, one whole bitmap byte (8 sectors) each, as Hyper-V does: libvhdi (20210425)
 * misreads a bitmap byte that mixes set and clear bits, and guests write whole 4 KiB pages anyway.
 */
export const DELTA_GRAIN = 8 * SECTOR;

/** Starts writing each run of 4 KiB units where `a` differs from `b`, and marks them in the block's bitmap. */
function writeDifferences(
  writer: SparseVhdWriter,
  block: number,
  offset: number,
  a: Uint8Array,
  b: Uint8Array,
  bitmap: Uint8Array,
): Promise<unknown>[] {
  const writes: Promise<unknown>[] = [];
  const [ours, theirs] = [Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)];
  const grains = Math.ceil(a.length / DELTA_GRAIN);
  let runStart = -1;
  for (let g = 0; g <= grains; g++) {
    const from = g * DELTA_GRAIN;
    const to = Math.min(from + DELTA_GRAIN, a.length);
    const differs = g < grains && ours.compare(theirs, from, to, from, to) !== 0;
    if (differs && runStart < 0) runStart = g;
    if (!differs && runStart >= 0) {
      const start = runStart * DELTA_GRAIN;
      const end = Math.min(g * DELTA_GRAIN, a.length);
      setSectors(bitmap, (offset + start) / SECTOR, (end - start) / SECTOR);
      writes.push(writer.writeData(block, offset + start, a.subarray(start, end)));
      runStart = -1;
    }
  }
  return writes;
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
  let changed = 0;
  // The block the last run lay in, and whether it differs from the parent yet (runs arrive in order).
  let current = { block: -1, differs: false };
  const copy = (block: number, offset: number, data: Uint8Array): Promise<unknown> =>
    isAllZero(data) ? Promise.resolve() : writer.writeData(block, offset, data);
  /** What came before a block's first difference is the child's too: copied from the source again. */
  const copyEarlier = async (block: number, upTo: number) => {
    const buffer = new Uint8Array(Math.min(PUMP_CHUNK, upTo));
    for (let done = 0; done < upTo; done += buffer.length) {
      const piece = buffer.subarray(0, Math.min(buffer.length, upTo - done));
      await source.read(piece, block * blockSize + done);
      await copy(block, done, piece);
    }
  };
  await pumpContent(
    source,
    (ours, position, theirs) => {
      const started: Promise<unknown>[] = [];
      for (const { block, inBlock, from, to } of blockPieces(position, ours.length, blockSize)) {
        const a = ours.subarray(from, to);
        if (current.block !== block) current = { block, differs: false };
        if (!current.differs) {
          if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(theirs!.subarray(from, to))) continue;
          current.differs = true;
          changed++;
          writer.allocate(block);
          if (inBlock > 0) started.push(copyEarlier(block, inBlock));
        }
        started.push(copy(block, inBlock, a));
      }
      return Promise.all(started).then(() => undefined);
    },
    { ...options, phase: 'comparing', beside: parent },
  );
  return changed;
}
