// The BAT of a VHDX read without stopping at its first fault, for `check` (every fault listed) and `check
// --repair`. A payload block recorded past the end of the file, inside the header section, or over a structure
// or another block cannot be read as data; dropping it ("not present": zeros, or the parent's data for a child)
// needs no guess. Other faults (reserved states, a sector bitmap misplaced or missing) would: they are unfixable.
import {
  BAT_ENTRY_SIZE,
  BITMAP_STATE,
  PAYLOAD_STATE,
  SECTOR_BITMAP_BLOCK_SIZE,
  batGeometry,
  readBatEntry,
} from './bat';
import type { BatGeometry } from './bat';
import { MIB, leView } from './fields';
import { HEADER_SECTION_SIZE } from './header-section';
import type { VhdxMetadataPart, VhdxSource } from './structure';

/** Faults described one by one; past this many, a count. */
const LISTED = 100;

export interface BatFault {
  readonly code: 'VHDX_BAT_OUT_OF_RANGE' | 'VHDX_BAT_OVERLAP';
  /** The file offset of the BAT entry. */
  readonly offset: number;
  readonly message: string;
}

export interface BatScan {
  readonly geometry: BatGeometry;
  /** Payload blocks to drop, with the BAT entry offset of each. */
  readonly droppable: ReadonlyMap<number, number>;
  /** Faults dropping blocks fixes. */
  readonly faults: readonly BatFault[];
  /** Faults no repair fixes without a guess. */
  readonly unfixable: readonly BatFault[];
  /** Faults past the listed ones. */
  readonly unlisted: number;
}

interface Extent {
  readonly start: number;
  readonly end: number;
  readonly what: string;
  /** The payload block it is, or -1 for a structure or a sector bitmap. */
  readonly block: number;
  readonly entry: number;
}

/** Reads and checks the whole BAT of a VHDX whose header, regions and metadata were read into `part`. */
export async function scanVhdxBat(file: VhdxSource, part: VhdxMetadataPart): Promise<BatScan> {
  const geometry = batGeometry(part.metadata);
  const region = part.batRegion;
  const droppable = new Map<number, number>();
  const faults: BatFault[] = [];
  const unfixable: BatFault[] = [];
  let unlisted = 0;
  const note = (list: BatFault[], fault: BatFault) => (list.length < LISTED ? list.push(fault) : unlisted++);
  if (geometry.totalEntries * BAT_ENTRY_SIZE > region.length) {
    const message = `the VHDX BAT region holds ${region.length / BAT_ENTRY_SIZE} entries but the disk needs ${geometry.totalEntries}`;
    note(unfixable, { code: 'VHDX_BAT_OUT_OF_RANGE', offset: region.fileOffset, message });
    return { geometry, droppable, faults, unfixable, unlisted };
  }
  const extents: Extent[] = [
    { start: 0, end: HEADER_SECTION_SIZE, what: 'the header section', block: -1, entry: -1 },
    { start: region.fileOffset, end: region.fileOffset + region.length, what: 'the BAT region', block: -1, entry: -1 },
    {
      start: part.metadataRegion.fileOffset,
      end: part.metadataRegion.fileOffset + part.metadataRegion.length,
      what: 'the metadata region',
      block: -1,
      entry: -1,
    },
  ];
  if (part.header.logLength > 0) {
    const log = part.header.logOffset;
    extents.push({ start: log, end: log + part.header.logLength, what: 'the log', block: -1, entry: -1 });
  }
  const { blockSize, virtualSize } = part.metadata;
  const stride = geometry.chunkRatio + 1;
  const partial: number[] = [];
  const bitmapPresent = new Uint8Array(geometry.bitmapBlocks);
  const bytes = geometry.totalEntries * BAT_ENTRY_SIZE;
  for (let done = 0; done < bytes; done += MIB) {
    const piece = await file.readAt(region.fileOffset + done, Math.min(MIB, bytes - done));
    const dv = leView(piece);
    for (let i = 0; i * BAT_ENTRY_SIZE < piece.length; i++) {
      const index = done / BAT_ENTRY_SIZE + i;
      const entry = region.fileOffset + index * BAT_ENTRY_SIZE;
      const { state, fileOffsetMiB } = readBatEntry(dv, i * BAT_ENTRY_SIZE);
      const chunk = Math.floor(index / stride);
      const slot = index - chunk * stride;
      const start = fileOffsetMiB * MIB;
      if (slot === geometry.chunkRatio) {
        // Fixed and dynamic disks never read sector bitmaps: their entries are not checked.
        if (!geometry.hasParent || state === BITMAP_STATE.notPresent) continue;
        const what = `the sector bitmap of chunk ${chunk}`;
        if (state !== BITMAP_STATE.present) {
          note(unfixable, {
            code: 'VHDX_BAT_OUT_OF_RANGE',
            offset: entry,
            message: `${what} has the invalid state ${state}`,
          });
        } else if (fileOffsetMiB < 1 || start + SECTOR_BITMAP_BLOCK_SIZE > file.size) {
          const message = `${what} is recorded at offset ${start}, ${fileOffsetMiB < 1 ? 'inside the header section' : 'past the end of the file'}`;
          note(unfixable, { code: 'VHDX_BAT_OUT_OF_RANGE', offset: entry, message });
        } else {
          bitmapPresent[chunk] = 1;
          extents.push({ start, end: start + SECTOR_BITMAP_BLOCK_SIZE, what, block: -1, entry });
        }
        continue;
      }
      const block = chunk * geometry.chunkRatio + slot;
      if (block >= geometry.payloadBlocks) continue;
      if (state === 4 || state === 5) {
        const message = `the VHDX block ${block} has the reserved state ${state}`;
        note(unfixable, { code: 'VHDX_BAT_OUT_OF_RANGE', offset: entry, message });
        continue;
      }
      if (state === PAYLOAD_STATE.partiallyPresent && !geometry.hasParent) {
        const message = `the VHDX block ${block} is partially present, which only a differencing disk may be`;
        note(unfixable, { code: 'VHDX_BAT_OUT_OF_RANGE', offset: entry, message });
        continue;
      }
      if (state !== PAYLOAD_STATE.fullyPresent && state !== PAYLOAD_STATE.partiallyPresent) continue;
      if (state === PAYLOAD_STATE.partiallyPresent) partial.push(block);
      const used = Math.min(blockSize, virtualSize - block * blockSize);
      if (fileOffsetMiB < 1 || start + used > file.size) {
        const where = fileOffsetMiB < 1 ? 'inside the header section' : 'past the end of the file';
        droppable.set(block, entry);
        note(faults, {
          code: 'VHDX_BAT_OUT_OF_RANGE',
          offset: entry,
          message: `the VHDX block ${block} is recorded at offset ${start}, ${where}`,
        });
        continue;
      }
      extents.push({ start, end: start + used, what: `block ${block}`, block, entry });
    }
  }
  for (const block of partial) {
    const chunk = Math.floor(block / geometry.chunkRatio);
    if (bitmapPresent[chunk]) continue;
    const message = `the VHDX block ${block} is partially present but its sector bitmap is missing`;
    note(unfixable, { code: 'VHDX_BAT_OUT_OF_RANGE', offset: region.fileOffset, message });
  }
  // Overlaps, in file order: a block over a structure is dropped, as are both of two blocks sharing bytes (which
  // holds the data is a guess); a sector bitmap sharing bytes with anything is not fixed.
  extents.sort((a, b) => a.start - b.start);
  let reach = extents[0]!;
  for (const e of extents.slice(1)) {
    if (e.start < reach.end) {
      const message = `${e.what} at offset ${e.start} overlaps ${reach.what}`;
      const fault = { code: 'VHDX_BAT_OVERLAP', offset: e.entry >= 0 ? e.entry : e.start, message } as const;
      const pair = [e, reach].filter((x) => x.entry >= 0);
      if (pair.some((x) => x.block < 0)) note(unfixable, fault);
      else {
        for (const x of pair) droppable.set(x.block, x.entry);
        note(faults, fault);
      }
    }
    if (e.end > reach.end) reach = e;
  }
  return { geometry, droppable, faults, unfixable, unlisted };
}
