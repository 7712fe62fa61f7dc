// What dynamic and differencing images (VHD and VHDX alike) share: reading what lies beneath a block this file
// does not hold, and merging their own extents with their parent's.
import { pushExtent } from './disk-image';
import type { DiskImage, Extent } from './disk-image';

/** How a block reads: from this file, as zeros, or from whatever lies beneath (the parent, or zeros). */
export type BlockSource = 'data' | 'zero' | 'beneath';

/** A piece of a run that lies in one block: where in the block it starts, and its [from, to) within the run. */
export interface BlockPiece {
  readonly block: number;
  readonly inBlock: number;
  readonly from: number;
  readonly to: number;
}

/** Cuts the run [position, position + length) at block boundaries. */
export function* blockPieces(position: number, length: number, blockSize: number): Generator<BlockPiece> {
  for (let from = 0; from < length;) {
    const block = Math.floor((position + from) / blockSize);
    const inBlock = position + from - block * blockSize;
    const to = from + Math.min(blockSize - inBlock, length - from);
    yield { block, inBlock, from, to };
    from = to;
  }
}

/** Fills `segment` from the parent at `position`; zeros without a parent, and past the end of a smaller parent. */
export async function readBeneath(parent: DiskImage | null, segment: Uint8Array, position: number): Promise<void> {
  if (!parent) return void segment.fill(0);
  // A parent smaller than its child (resized after the child was made) reads as zeros past its end.
  const inParent = Math.max(0, Math.min(segment.length, parent.virtualSize - position));
  if (inParent > 0) await parent.read(segment.subarray(0, inParent), position);
  segment.fill(0, inParent);
}

/**
 * Where the blocks that read from the file lie in it, so that holes of a sparse image file read as zeros without
 * being read (as qemu-img skips them): the file's own extents, and each such block's offset in the file.
 */
export interface FilePlacement {
  /** The file's data and hole extents (RandomAccessFile.extents), sorted and covering the file. */
  readonly fileExtents: readonly Extent[];
  /** Where block `block` starts in the file, when every byte of it that holes leave out reads as zeros; else null. */
  offsetOf(block: number): number | null;
}

/**
 * The image's extents: its own blocks by `sourceOf` (split by the holes of the file where `placement` says where
 * they lie), and the parent's extents where a block reads beneath.
 */
export function layeredExtents(
  blockCount: number,
  blockSize: number,
  virtualSize: number,
  sourceOf: (block: number) => BlockSource,
  beneath: readonly Extent[],
  placement?: FilePlacement,
): Extent[] {
  const list: Extent[] = [];
  let cursor = 0; // index into `beneath`
  for (let block = 0; block < blockCount; block++) {
    const start = block * blockSize;
    const end = Math.min(start + blockSize, virtualSize);
    const source = sourceOf(block);
    const fileOffset = source === 'data' && placement ? placement.offsetOf(block) : null;
    if (fileOffset !== null && placement) {
      pushFileExtents(list, start, end - start, fileOffset, placement.fileExtents);
      continue;
    }
    if (source !== 'beneath') {
      pushExtent(list, start, end - start, source);
      continue;
    }
    cursor = pushBeneath(list, start, end, beneath, cursor);
  }
  return list;
}

/** A run of an image's own, in order: data, zeros, or whatever lies beneath (qcow2 and VMDK build theirs). */
export interface LayerRun {
  readonly offset: number;
  readonly length: number;
  readonly kind: BlockSource;
}

/** The image's extents from its own runs (sorted), with the parent's extents where a run reads beneath. */
export function overlayExtents(own: Iterable<LayerRun>, beneath: readonly Extent[]): Extent[] {
  const list: Extent[] = [];
  let cursor = 0;
  for (const run of own) {
    if (run.kind === 'beneath') cursor = pushBeneath(list, run.offset, run.offset + run.length, beneath, cursor);
    else pushExtent(list, run.offset, run.length, run.kind);
  }
  return list;
}

/**
 * Pushes [start, end) as `beneath` reads it (zeros where it has no extent: past a smaller parent), looking from
 * `cursor` on; returns where the next, later run should look from.
 */
function pushBeneath(list: Extent[], start: number, end: number, beneath: readonly Extent[], cursor: number): number {
  let pos = start;
  while (cursor < beneath.length && beneath[cursor]!.offset + beneath[cursor]!.length <= start) cursor++;
  for (let i = cursor; i < beneath.length && pos < end; i++) {
    const e = beneath[i]!;
    if (e.offset >= end) break;
    const from = Math.max(e.offset, pos);
    const to = Math.min(e.offset + e.length, end);
    pushExtent(list, pos, from - pos, 'zero');
    pushExtent(list, from, to - from, e.kind);
    pos = to;
  }
  pushExtent(list, pos, end - pos, 'zero');
  return cursor;
}

/** Pushes the virtual run [start, start + length), held at `fileOffset` in the file, as the file's extents there. */
function pushFileExtents(
  list: Extent[],
  start: number,
  length: number,
  fileOffset: number,
  fileExtents: readonly Extent[],
): void {
  // The first file extent that ends past fileOffset (blocks may lie in the file in any order).
  let low = 0;
  let high = fileExtents.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const e = fileExtents[mid]!;
    if (e.offset + e.length <= fileOffset) low = mid + 1;
    else high = mid;
  }
  let done = 0;
  for (let i = low; i < fileExtents.length && done < length; i++) {
    const e = fileExtents[i]!;
    const to = Math.min(e.offset + e.length - fileOffset, length);
    pushExtent(list, start + done, to - done, e.kind);
    done = to;
  }
  // Past the file's end: left to the read, which reports the truncation.
  pushExtent(list, start + done, length - done, 'data');
}
