// Where a dynamic VHD's blocks lie in the file, and which of them cannot be trusted: those running past the end
// of the data area, and those overlapping the headers, the block table, the parent locators or each other. The
// reader refuses such images; `platter check` lists the faults and `--repair` drops the blocks.
import { UNALLOCATED, batBytes } from './bat';
import { DYNAMIC_HEADER_SIZE } from './dynamic-header';
import { SECTOR, alignUp } from '../fields';
import { MAX_LOCATOR_BYTES, platformName } from './parent-locator';

/** A byte range of the file that holds a structure. */
export interface FileRegion {
  readonly start: number;
  readonly end: number;
  /** What it is, for messages: "the dynamic header". */
  readonly what: string;
}

export interface BlockGeometry {
  readonly blockSize: number;
  readonly bitmapSize: number;
  readonly virtualSize: number;
}

export interface BlockLayout extends BlockGeometry {
  /** Blocks must end at or before this offset (the footer at the end, or the end of the file). */
  readonly limit: number;
  /** The structures blocks must not overlap. */
  readonly regions: readonly FileRegion[];
}

export interface BlockFault {
  readonly block: number;
  /** Where the BAT entry puts the block, in bytes. */
  readonly offset: number;
  readonly kind: 'outside' | 'overlap';
  /** What the block collides with: "the end of the data area at 1234", "block 3", "the block table". */
  readonly other: string;
}

export interface BlockFaults {
  /** How many blocks are faulty. */
  readonly count: number;
  /** The first faults in block order, described (a bounded number: a hostile table may hold millions). */
  readonly first: readonly BlockFault[];
  /** Non-zero for each faulty block; null when there is none. */
  readonly marks: Uint8Array | null;
}

const OUTSIDE = 1;
const REGION = 2;
const OVERLAP = 3;

/** File bytes of block `block` that are read: its bitmap and the data the disk uses (a last block may be short). */
export function blockLength(layout: BlockGeometry, block: number): number {
  return layout.bitmapSize + Math.min(layout.blockSize, layout.virtualSize - block * layout.blockSize);
}

/** Finds every faulty block. Fast when there is none: one pass and one numeric sort. */
export function findBlockFaults(bat: Uint32Array, layout: BlockLayout, detail = 100): BlockFaults {
  let marks: Uint8Array | null = null;
  let count = 0;
  const mark = (block: number, kind: number): void => {
    marks ??= new Uint8Array(bat.length);
    if (marks[block] === 0) count++;
    marks[block] = kind;
  };
  const placed = new Uint32Array(bat.length);
  let n = 0;
  for (let block = 0; block < bat.length; block++) {
    const entry = bat[block]!;
    if (entry === UNALLOCATED) continue;
    const start = entry * SECTOR;
    const end = start + blockLength(layout, block);
    if (end > layout.limit) mark(block, OUTSIDE);
    else if (layout.regions.some((r) => start < r.end && r.start < end)) mark(block, REGION);
    else placed[n++] = block;
  }
  let partner: Uint32Array | null = null;
  if (mayOverlap(bat, placed.subarray(0, n), layout)) {
    partner = new Uint32Array(bat.length);
    const order = placed.subarray(0, n).sort((a, b) => bat[a]! - bat[b]! || a - b);
    let reach = -1; // the block reaching furthest so far
    let reachEnd = 0;
    for (const block of order) {
      const start = bat[block]! * SECTOR;
      if (reach >= 0 && start < reachEnd) {
        // Partners are stored plus one, so that 0 means none.
        mark(block, OVERLAP);
        mark(reach, OVERLAP);
        if (partner[block] === 0) partner[block] = reach + 1;
        if (partner[reach] === 0) partner[reach] = block + 1;
      }
      const end = start + blockLength(layout, block);
      if (end > reachEnd) [reach, reachEnd] = [block, end];
    }
  }
  const first: BlockFault[] = [];
  const found = marks as Uint8Array | null;
  for (let block = 0; found && block < bat.length && first.length < detail; block++) {
    const kind = found[block]!;
    if (kind === 0) continue;
    const offset = bat[block]! * SECTOR;
    const end = offset + blockLength(layout, block);
    const other =
      kind === OUTSIDE
        ? `the end of the data area at ${layout.limit}`
        : kind === REGION
          ? layout.regions.find((r) => offset < r.end && r.start < end)!.what
          : `block ${partner![block]! - 1}`;
    first.push({ block, offset, kind: kind === OUTSIDE ? 'outside' : 'overlap', other });
  }
  return { count, first, marks: found };
}

/** A quick test on sorted offsets with the full block length: false means no two blocks overlap. */
function mayOverlap(bat: Uint32Array, placed: Uint32Array, layout: BlockLayout): boolean {
  const starts = new Uint32Array(placed.length);
  placed.forEach((block, i) => (starts[i] = bat[block]!));
  starts.sort();
  const full = layout.bitmapSize + layout.blockSize;
  for (let i = 1; i < starts.length; i++) if ((starts[i]! - starts[i - 1]!) * SECTOR < full) return true;
  return false;
}

/** The end of the furthest block, counting whole blocks (qemu-img refuses a file shorter than its last full block). */
export function blocksEnd(bat: Uint32Array, layout: BlockGeometry, skip: Uint8Array | null = null): number {
  let end = 0;
  const full = layout.bitmapSize + layout.blockSize;
  for (let block = 0; block < bat.length; block++) {
    const entry = bat[block]!;
    if (entry === UNALLOCATED || (skip !== null && skip[block] !== 0)) continue;
    end = Math.max(end, entry * SECTOR + full);
  }
  return end;
}

/** Names of the structures, as messages give them and as repair tags what it writes. */
export const STRUCTURE = {
  headCopy: 'the footer copy at the start',
  header: 'the dynamic header',
  table: 'the block table',
  endFooter: 'the footer at the end',
} as const;

/** The structures of a dynamic VHD that blocks must keep clear of. `locators` only for a differencing disk. */
export function metadataRegions(
  dataOffset: number,
  header: { tableOffset: number; entries: number },
  locators: readonly { platformCode: number; dataOffset: number; dataLength: number }[],
  fileSize: number,
): FileRegion[] {
  const regions: FileRegion[] = [
    { start: 0, end: SECTOR, what: STRUCTURE.headCopy },
    { start: dataOffset, end: dataOffset + DYNAMIC_HEADER_SIZE, what: STRUCTURE.header },
    { start: header.tableOffset, end: header.tableOffset + batBytes(header.entries), what: STRUCTURE.table },
  ];
  for (const l of locators) {
    // Only locators that can be read; the others are reported on their own and occupy nothing.
    if (l.platformCode === 0 || l.dataLength === 0 || l.dataLength > MAX_LOCATOR_BYTES) continue;
    if (l.dataOffset + l.dataLength > fileSize) continue;
    const end = l.dataOffset + alignUp(l.dataLength, SECTOR);
    regions.push({ start: l.dataOffset, end, what: `the ${platformName(l.platformCode)} parent locator` });
  }
  return regions;
}
