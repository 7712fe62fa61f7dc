// What dynamic and differencing images (VHD and VHDX alike) share: reading what lies beneath a block this file
// does not hold, and merging their own extents with their parent's.
import { pushExtent } from './disk-image';
import type { DiskImage, Extent } from './disk-image';

/** How a block reads: from this file, as zeros, or from whatever lies beneath (the parent, or zeros). */
export type BlockSource = 'data' | 'zero' | 'beneath';

/** Fills `segment` from the parent at `position`; zeros without a parent, and past the end of a smaller parent. */
export async function readBeneath(parent: DiskImage | null, segment: Uint8Array, position: number): Promise<void> {
  if (!parent) return void segment.fill(0);
  // A parent smaller than its child (resized after the child was made) reads as zeros past its end.
  const inParent = Math.max(0, Math.min(segment.length, parent.virtualSize - position));
  if (inParent > 0) await parent.read(segment.subarray(0, inParent), position);
  segment.fill(0, inParent);
}

/** The image's extents: its own blocks by `sourceOf`, and the parent's extents where a block reads beneath. */
export function layeredExtents(
  blockCount: number,
  blockSize: number,
  virtualSize: number,
  sourceOf: (block: number) => BlockSource,
  beneath: readonly Extent[],
): Extent[] {
  const list: Extent[] = [];
  let cursor = 0; // index into `beneath`
  for (let block = 0; block < blockCount; block++) {
    const start = block * blockSize;
    const end = Math.min(start + blockSize, virtualSize);
    const source = sourceOf(block);
    if (source !== 'beneath') {
      pushExtent(list, start, end - start, source);
      continue;
    }
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
  }
  return list;
}
