import { throwIfAborted } from '../errors';
import { UNALLOCATED } from '../formats/vhd/bat';
import { sectorRuns } from '../formats/vhd/bitmap';
import { SECTOR } from '../formats/fields';
import { pageAlignedBuffer } from '../io/native-addon';
import type { VhdImage } from '../formats/vhd/vhd-image';
import { readsAsZero as readsAsZeroIn } from './free-blocks';
import type { FreeBlocks } from './free-blocks';
import { PUMP_CHUNK, forEachDataRun, isAllZero } from './content-pump';
import type { progressReporter } from './progress';
import type { JobControl } from './progress';
import type { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';

/** Blocks up to this size are read once, whole, and both checked and copied from memory (two such buffers). */
const WHOLE_BLOCK_LIMIT = 16 * 1024 * 1024;

export interface BlockCopy {
  readonly image: VhdImage;
  /** Where kept blocks go; null only counts them (a compact's dry run). */
  readonly writer: SparseVhdWriter | null;
  /** Blocks of the source to consider (the rest are beyond the new size). */
  readonly count: number;
  /** Drop blocks that read as zeros (compact); otherwise every allocated block is kept. */
  readonly dropZeroBlocks: boolean;
  readonly control: JobControl;
  readonly progress: ReturnType<typeof progressReporter>;
  /** Blocks wholly in unused space: dropped unread (for a child, only where its parent reads zeros). */
  readonly free?: FreeBlocks | null;
  /** Counts the blocks dropped for lying in unused space. */
  readonly tally?: { free: number };
}

/** Blocks read ahead of the one being checked and written (as qemu-img keeps several requests in flight). */
const READ_AHEAD = 4;

/**
 * Copies the source's allocated blocks, in order, into the writer, with their bitmaps, zero runs left as holes;
 * returns how many were kept (without a writer, only counts them). Each block is read once, bitmap and data
 * together, a few blocks ahead: a block whose bitmap marks every sector (nearly all: qemu-img, Hyper-V and
 * Platter write such) reads in the disk exactly as it is stored, so the zero check and the copy share that read.
 * Other blocks, children's blocks and blocks too large to hold go the general way, in pieces.
 */
export async function copyBlocks(copy: BlockCopy): Promise<number> {
  const { image, writer, control, progress } = copy;
  const { bat, header, bitmapSize } = image.structure;
  const blockSize = header!.blockSize;
  const source = image.sourceFile;
  const whole = blockSize <= WHOLE_BLOCK_LIMIT && !image.parent;
  const held = bat!.subarray(0, copy.count).reduce<number[]>((list, entry, block) => {
    if (entry !== UNALLOCATED) list.push(block);
    return list;
  }, []);
  const usedIn = (block: number) => Math.min(blockSize, image.virtualSize - block * blockSize);
  const { allocated, zeroed } = await withoutFreeBlocks(copy, held, usedIn);
  // A free block over the parent's data is written as zeros (every sector marked, nothing written: holes).
  for (const block of zeroed) await writer?.allocate(block);
  const slots = Array.from({ length: whole ? READ_AHEAD : 0 }, () => ({
    buffer: pageAlignedBuffer(bitmapSize + blockSize),
    busy: Promise.resolve() as Promise<unknown>,
  }));
  const reads: Promise<Uint8Array>[] = [];
  let started = 0;
  const readAhead = (upTo: number) => {
    for (; whole && started < Math.min(upTo, allocated.length); started++) {
      const slot = slots[started % READ_AHEAD]!;
      const block = allocated[started]!;
      const stored = slot.buffer.subarray(0, bitmapSize + usedIn(block));
      const read = slot.busy.then(() => source.read(stored, bat![block]! * SECTOR)).then(() => stored);
      read.catch(() => undefined); // awaited in order below
      reads.push(read);
    }
  };
  /** The general way's buffer, made on first need (most disks never take that way). */
  let piece: Uint8Array | null = null;
  /** Copies one allocated block unless it is dropped; says whether it was kept. */
  const copyBlock = async (index: number, block: number): Promise<boolean> => {
    readAhead(index + READ_AHEAD);
    const blockStart = bat![block]! * SECTOR;
    const used = usedIn(block);
    const stored = whole ? await reads.shift()! : await source.readAt(blockStart, bitmapSize);
    const bitmap = stored.subarray(0, bitmapSize);
    if (!whole || !everySectorMarked(bitmap, used)) {
      piece ??= new Uint8Array(Math.min(PUMP_CHUNK, blockSize));
      if (copy.dropZeroBlocks && (await readsAsZero(image, block * blockSize, used, piece))) return false;
      if (writer) await copyInPieces(writer, image, { block, blockStart, used, bitmap }, piece);
      return true;
    }
    const data = stored.subarray(bitmapSize);
    if (copy.dropZeroBlocks && isAllZero(data)) return false;
    if (!writer) return true;
    const written = Promise.all([
      writer.allocate(block, bitmap),
      forEachDataRun(data, 0, (run, at) => writer.writeData(block, at, run).then(() => undefined)),
    ]);
    written.catch(() => undefined); // awaited before the buffer is read into again, and at the end
    slots[index % READ_AHEAD]!.busy = written;
    return true;
  };
  let kept = zeroed.length;
  let counted = 0;
  try {
    for (const [index, block] of allocated.entries()) {
      throwIfAborted(control.signal);
      if (await copyBlock(index, block)) kept++;
      progress.add((block + 1 - counted) * blockSize); // this block and the unallocated ones before it
      counted = block + 1;
    }
  } finally {
    // Let every started read and write finish (or fail) before the caller closes or removes the file.
    await Promise.allSettled([...reads, ...slots.map((s) => s.busy)]);
  }
  for (const slot of slots) await slot.busy;
  progress.add((copy.count - counted) * blockSize);
  return kept;
}

/** Splits off the held blocks wholly in unused space: dropped, or (over a parent's data) to be written as zeros. */
async function withoutFreeBlocks(
  copy: BlockCopy,
  held: number[],
  usedIn: (block: number) => number,
): Promise<{ allocated: number[]; zeroed: number[] }> {
  const { free, image } = copy;
  if (!free || !copy.dropZeroBlocks) return { allocated: held, zeroed: [] };
  const allocated: number[] = [];
  const zeroed: number[] = [];
  const blockSize = image.structure.header!.blockSize;
  for (const block of held) {
    if (!free.isFree(block)) allocated.push(block);
    else if (!image.parent || (await readsAsZeroIn(image.parent, block * blockSize, usedIn(block)))) {
      if (copy.tally) copy.tally.free++;
    } else zeroed.push(block);
  }
  return { allocated, zeroed };
}

function everySectorMarked(bitmap: Uint8Array, used: number): boolean {
  const runs = sectorRuns(bitmap, 0, Math.ceil(used / SECTOR));
  return runs.length === 1 && runs[0]!.set;
}

/** The general case (large blocks, partly marked bitmaps, children): the block's stored bytes in pieces. */
async function copyInPieces(
  writer: SparseVhdWriter,
  image: VhdImage,
  { block, blockStart, used, bitmap }: { block: number; blockStart: number; used: number; bitmap: Uint8Array },
  piece: Uint8Array,
): Promise<void> {
  await writer.allocate(block, bitmap);
  for (let off = 0; off < used; off += piece.length) {
    const chunk = piece.subarray(0, Math.min(piece.length, used - off));
    await image.sourceFile.read(chunk, blockStart + image.structure.bitmapSize + off);
    await forEachDataRun(chunk, off, async (data, at) => void (await writer.writeData(block, at, data)));
  }
}

/** Whether the block reads as zeros in this disk and (for a child) in its parent too. */
async function readsAsZero(image: VhdImage, start: number, length: number, piece: Uint8Array): Promise<boolean> {
  for (const layer of image.parent ? [image, image.parent] : [image]) {
    const inLayer = Math.max(0, Math.min(length, layer.virtualSize - start));
    for (let off = 0; off < inLayer; off += piece.length) {
      const chunk = piece.subarray(0, Math.min(piece.length, inLayer - off));
      await layer.read(chunk, start + off);
      if (!isAllZero(chunk)) return false;
    }
  }
  return true;
}
