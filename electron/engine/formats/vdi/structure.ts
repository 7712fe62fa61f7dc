// A VDI's header and block map, read and checked against the file before anything trusts them: the map must lie
// in the file (its size bounds the one allocation made from it), and every block the disk reads from the file
// must too.
import { PlatterError } from '../../errors';
import { HEADER_READ_SIZE, SECTOR_SIZE, parseVdiHeader } from './header';
import type { VdiHeader } from './header';

/** A block never written: it reads from the parent, or as zeros without one (VDI_IMAGE_BLOCK_FREE). */
export const BLOCK_FREE = 0xffffffff;
/** A block that reads as zeros, whatever the parent holds (VDI_IMAGE_BLOCK_ZERO; qemu calls it discarded). */
export const BLOCK_ZERO = 0xfffffffe;

export function isAllocated(entry: number): boolean {
  return entry < BLOCK_ZERO;
}

/** What reading needs of a file: its name, size and bytes. */
export interface VdiSource {
  readonly path: string;
  readonly size: number;
  readAt(position: number, length: number): Promise<Uint8Array>;
}

export interface VdiStructure {
  readonly header: VdiHeader;
  /** The disk size VirtualBox reads: the recorded one rounded down to a whole sector. */
  readonly virtualSize: number;
  /** Blocks the virtual disk spans (the map may hold more entries than that). */
  readonly diskBlocks: number;
  /** Every entry of the block map. */
  readonly map: Uint32Array;
  /** Bytes from one block's start in the data area to the next's: its extra data, then the block. */
  readonly stride: number;
  readonly warnings: readonly string[];
}

export function blockMapError(message: string, offset: number): PlatterError {
  return new PlatterError(
    'VDI_BAD_BLOCK_MAP',
    message,
    'the image is damaged or was cut short; restore it from a backup or copy it again from its source',
    { offset },
  );
}

/** Where block `block`'s bytes start in the file (the entry must be allocated). */
export function blockFileOffset(s: VdiStructure, block: number): number {
  return s.header.dataOffset + s.map[block]! * s.stride + s.header.blockExtra;
}

/** Bytes of block `block` inside the virtual disk (the last block may be cut by the disk's end). */
export function blockBytes(s: VdiStructure, block: number): number {
  return Math.min(s.header.blockSize, s.virtualSize - block * s.header.blockSize);
}

/** The allocated blocks of the disk whose bytes pass the end of the file, at most `limit` of them. */
export function blocksPastEnd(s: VdiStructure, fileSize: number, limit: number): number[] {
  const found: number[] = [];
  for (let block = 0; block < s.diskBlocks && found.length < limit; block++) {
    if (!isAllocated(s.map[block]!)) continue;
    // A product past 2^53 is imprecise, but then far past any file size too.
    if (blockFileOffset(s, block) + blockBytes(s, block) > fileSize) found.push(block);
  }
  return found;
}

/** Reads the header and block map; with `strict` (reading), a block past the file's end is an error. */
export async function readVdiStructure(file: VdiSource, strict = true): Promise<VdiStructure> {
  const header = parseVdiHeader(await file.readAt(0, Math.min(HEADER_READ_SIZE, file.size)));
  const mapBytes = header.blocks * 4;
  if (header.blocksOffset + mapBytes > file.size)
    throw blockMapError(
      `the block map (${header.blocks} entries at offset ${header.blocksOffset}) passes the end of the file (${file.size} bytes)`,
      header.blocksOffset,
    );
  const raw = await file.readAt(header.blocksOffset, mapBytes);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const map = new Uint32Array(header.blocks);
  for (let i = 0; i < header.blocks; i++) map[i] = dv.getUint32(i * 4, true);
  const warnings: string[] = [];
  const virtualSize = header.diskSize - (header.diskSize % SECTOR_SIZE);
  if (virtualSize !== header.diskSize)
    warnings.push(
      `the disk size ${header.diskSize} is not a whole number of sectors; it reads as ${virtualSize} bytes, as in VirtualBox`,
    );
  const structure: VdiStructure = {
    header,
    virtualSize,
    diskBlocks: Math.ceil(virtualSize / header.blockSize),
    map,
    stride: header.blockSize + header.blockExtra,
    warnings,
  };
  if (strict) {
    const [past] = blocksPastEnd(structure, file.size, 1);
    if (past !== undefined)
      throw blockMapError(
        `block ${past} of the disk lies past the end of the file (its map entry is ${map[past]}, the file ${file.size} bytes)`,
        header.blocksOffset + past * 4,
      );
  }
  return structure;
}
