import { PlatterError } from '../../errors';
import { DAMAGED, MIB, leView } from './fields';

export const BAT_ENTRY_SIZE = 8;
/** Sector bitmap blocks are 1 MiB: 2^23 bits, one per logical sector of a chunk. */
export const SECTOR_BITMAP_BLOCK_SIZE = MIB;
export const CHUNK_SECTORS = 2 ** 23;

export const PAYLOAD_STATE = {
  notPresent: 0,
  undefined: 1,
  zero: 2,
  unmapped: 3,
  fullyPresent: 6,
  partiallyPresent: 7,
} as const;
export const BITMAP_STATE = { notPresent: 0, present: 6 } as const;

export interface BatEntry {
  readonly state: number;
  /** Where the block lies in the file, in MiB. */
  readonly fileOffsetMiB: number;
}

/** How a disk's BAT is laid out: one sector bitmap entry after every `chunkRatio` payload entries. */
export interface BatGeometry {
  readonly blockSize: number;
  readonly logicalSectorSize: number;
  readonly virtualSize: number;
  readonly hasParent: boolean;
  readonly chunkRatio: number;
  readonly payloadBlocks: number;
  readonly bitmapBlocks: number;
  /** Entries the BAT must hold: differencing disks need the bitmap entry of the last chunk too. */
  readonly totalEntries: number;
}

export function batGeometry(params: {
  blockSize: number;
  logicalSectorSize: number;
  virtualSize: number;
  hasParent: boolean;
}): BatGeometry {
  const { blockSize, logicalSectorSize, virtualSize, hasParent } = params;
  const chunkRatio = (CHUNK_SECTORS * logicalSectorSize) / blockSize;
  const payloadBlocks = Math.ceil(virtualSize / blockSize);
  const bitmapBlocks = Math.ceil(payloadBlocks / chunkRatio);
  const totalEntries = hasParent
    ? bitmapBlocks * (chunkRatio + 1)
    : payloadBlocks === 0
      ? 0
      : payloadBlocks + Math.floor((payloadBlocks - 1) / chunkRatio);
  return { ...params, chunkRatio, payloadBlocks, bitmapBlocks, totalEntries };
}

export function payloadEntryIndex(geometry: BatGeometry, block: number): number {
  return block + Math.floor(block / geometry.chunkRatio);
}

export function bitmapEntryIndex(geometry: BatGeometry, chunk: number): number {
  return chunk * (geometry.chunkRatio + 1) + geometry.chunkRatio;
}

/** Reads one entry. It is a bit field, so two 32-bit halves: state in bits 0-2, offset in MiB in bits 20-63. */
export function readBatEntry(dv: DataView, offset: number): BatEntry {
  const low = dv.getUint32(offset, true);
  const high = dv.getUint32(offset + 4, true);
  return { state: low & 7, fileOffsetMiB: (low >>> 20) + high * 4096 };
}

export function writeBatEntry(dv: DataView, offset: number, entry: BatEntry): void {
  dv.setUint32(offset, ((entry.fileOffsetMiB % 4096) * 2 ** 20 + (entry.state & 7)) >>> 0, true);
  dv.setUint32(offset + 4, Math.floor(entry.fileOffsetMiB / 4096), true);
}

/** The BAT decoded into compact arrays (5 bytes a block rather than 8), validated against the file. */
export interface VhdxBat {
  readonly payloadState: Uint8Array;
  readonly payloadOffsetMiB: Uint32Array;
  readonly bitmapState: Uint8Array;
  readonly bitmapOffsetMiB: Uint32Array;
}

export function createBat(geometry: BatGeometry): VhdxBat {
  return {
    payloadState: new Uint8Array(geometry.payloadBlocks),
    payloadOffsetMiB: new Uint32Array(geometry.payloadBlocks),
    bitmapState: new Uint8Array(geometry.bitmapBlocks),
    bitmapOffsetMiB: new Uint32Array(geometry.bitmapBlocks),
  };
}

function bad(message: string, entryIndex: number): PlatterError {
  return new PlatterError('VHDX_BAT_OUT_OF_RANGE', message, DAMAGED, { offset: entryIndex * BAT_ENTRY_SIZE });
}

/** Decodes BAT entries from `firstEntry` on (so the table can be read in pieces), checking each one it will use. */
export function decodeBatEntries(
  bat: VhdxBat,
  geometry: BatGeometry,
  bytes: Uint8Array,
  firstEntry: number,
  fileSize: number,
): void {
  const dv = leView(bytes);
  const count = Math.min(Math.floor(bytes.length / BAT_ENTRY_SIZE), geometry.totalEntries - firstEntry);
  const stride = geometry.chunkRatio + 1;
  for (let i = 0; i < count; i++) {
    const index = firstEntry + i;
    const { state, fileOffsetMiB } = readBatEntry(dv, i * BAT_ENTRY_SIZE);
    const chunk = Math.floor(index / stride);
    const slot = index - chunk * stride;
    if (slot === geometry.chunkRatio) {
      // Fixed and dynamic disks never read sector bitmaps, so their entries are not trusted or checked.
      if (!geometry.hasParent) continue;
      if (state !== BITMAP_STATE.notPresent && state !== BITMAP_STATE.present) {
        throw bad(`the VHDX sector bitmap entry of chunk ${chunk} has the invalid state ${state}`, index);
      }
      if (state === BITMAP_STATE.present) checkPlacement(fileOffsetMiB, MIB, fileSize, `sector bitmap ${chunk}`, index);
      bat.bitmapState[chunk] = state;
      bat.bitmapOffsetMiB[chunk] = fileOffsetMiB;
      continue;
    }
    const block = chunk * geometry.chunkRatio + slot;
    if (block >= geometry.payloadBlocks) continue;
    if (state === 4 || state === 5) throw bad(`the VHDX block ${block} has the reserved state ${state}`, index);
    if (state === PAYLOAD_STATE.partiallyPresent && !geometry.hasParent) {
      throw bad(`the VHDX block ${block} is partially present, which only a differencing disk may be`, index);
    }
    if (state === PAYLOAD_STATE.fullyPresent || state === PAYLOAD_STATE.partiallyPresent) {
      const used = Math.min(geometry.blockSize, geometry.virtualSize - block * geometry.blockSize);
      checkPlacement(fileOffsetMiB, used, fileSize, `block ${block}`, index);
    }
    bat.payloadState[block] = state;
    bat.payloadOffsetMiB[block] = fileOffsetMiB;
  }
}

function checkPlacement(offsetMiB: number, length: number, fileSize: number, what: string, index: number): void {
  if (offsetMiB < 1) throw bad(`the VHDX ${what} is recorded at offset 0, inside the header section`, index);
  // Past the end also covers offsets too large for the 32-bit array they are kept in (files under 4 PiB).
  if (offsetMiB * MIB + length > fileSize || offsetMiB > 0xffffffff) {
    throw bad(`the VHDX ${what} is recorded at offset ${offsetMiB * MIB}, past the end of the file`, index);
  }
}

/** Checks what needs the whole table: every chunk with partially present blocks has its sector bitmap. */
export function checkBat(bat: VhdxBat, geometry: BatGeometry): void {
  for (let block = 0; block < geometry.payloadBlocks; block++) {
    if (bat.payloadState[block] !== PAYLOAD_STATE.partiallyPresent) continue;
    const chunk = Math.floor(block / geometry.chunkRatio);
    if (bat.bitmapState[chunk] !== BITMAP_STATE.present) {
      throw bad(
        `the VHDX block ${block} is partially present but its sector bitmap is missing`,
        bitmapEntryIndex(geometry, chunk),
      );
    }
  }
}

/** Decodes and checks a whole BAT held in memory. */
export function parseBat(bytes: Uint8Array, geometry: BatGeometry, fileSize: number): VhdxBat {
  if (bytes.length < geometry.totalEntries * BAT_ENTRY_SIZE) {
    throw bad(`the VHDX BAT holds ${Math.floor(bytes.length / 8)} entries; the disk needs ${geometry.totalEntries}`, 0);
  }
  const bat = createBat(geometry);
  decodeBatEntries(bat, geometry, bytes, 0, fileSize);
  checkBat(bat, geometry);
  return bat;
}

/** Serializes a table from its decoded form (entries past `geometry.totalEntries` are left out). */
export function serializeBat(bat: VhdxBat, geometry: BatGeometry): Uint8Array {
  const bytes = new Uint8Array(geometry.totalEntries * BAT_ENTRY_SIZE);
  const dv = leView(bytes);
  for (let block = 0; block < geometry.payloadBlocks; block++) {
    const entry = { state: bat.payloadState[block]!, fileOffsetMiB: bat.payloadOffsetMiB[block]! };
    writeBatEntry(dv, payloadEntryIndex(geometry, block) * BAT_ENTRY_SIZE, entry);
  }
  for (let chunk = 0; chunk < geometry.bitmapBlocks; chunk++) {
    const index = bitmapEntryIndex(geometry, chunk);
    if (index >= geometry.totalEntries) continue;
    writeBatEntry(dv, index * BAT_ENTRY_SIZE, {
      state: bat.bitmapState[chunk]!,
      fileOffsetMiB: bat.bitmapOffsetMiB[chunk]!,
    });
  }
  return bytes;
}
