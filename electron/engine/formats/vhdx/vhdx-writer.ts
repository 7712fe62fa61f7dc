// Writes a new fixed, dynamic or differencing VHDX front to back, laid out as Hyper-V and qemu-img lay theirs out:
// the header section in the first MiB, an empty 1 MiB log, the metadata region at 2 MiB, the BAT at 3 MiB, then the
// payload blocks, each on a whole MiB, in the order first written. For new files only (a temporary output renamed into
// place), so no step needs the log: `finish` writes the headers, metadata and BAT once every block is in place.
import { OUTPUT_OPTIONS } from '../../../../shared/formats';
import { PlatterError } from '../../errors';
import { alignUp } from '../fields';
import {
  BAT_ENTRY_SIZE,
  BITMAP_STATE,
  PAYLOAD_STATE,
  SECTOR_BITMAP_BLOCK_SIZE,
  batGeometry,
  createBat,
  serializeBat,
} from './bat';
import type { BatGeometry, VhdxBat } from './bat';
import { MIB, VHDX_MAX_SIZE, isPowerOfTwo } from './fields';
import { NIL_GUID, randomGuid } from './guid';
import { HEADER_SECTION_SIZE, serializeHeaderSection } from './header-section';
import { HEADER_OFFSETS, serializeHeader } from './header';
import type { VhdxHeader } from './header';
import {
  MAX_BLOCK_SIZE,
  METADATA_GUID,
  MIN_BLOCK_SIZE,
  serializeFileParameters,
  serializePage83Data,
  serializeSectorSize,
  serializeVirtualDiskSize,
} from './metadata-items';
import { serializeMetadataRegion } from './metadata-table';
import { serializeParentLocator } from './parent-locator';
import { REGION_GUID } from './region-table';
import type { RandomAccessFile } from '../../io/random-access-file';

/** Hyper-V's default block size, and Platter's. */
export const DEFAULT_VHDX_BLOCK_SIZE = OUTPUT_OPTIONS.vhdx.blockSizes!.default;
const LOG_OFFSET = HEADER_SECTION_SIZE;
const LOG_LENGTH = MIB;
const METADATA_OFFSET = LOG_OFFSET + LOG_LENGTH;
const METADATA_LENGTH = MIB;
const BAT_OFFSET = METADATA_OFFSET + METADATA_LENGTH;
/** Written into the file identifier (diagnostic only, as the specification says). */
const CREATOR = 'Platter';

export interface VhdxLayout {
  readonly virtualSize: number;
  readonly type: 'fixed' | 'dynamic';
  readonly blockSize: number;
  readonly logicalSectorSize: 512 | 4096;
  readonly physicalSectorSize: 512 | 4096;
  /**
   * A differencing disk: its parent locator's key/value entries (parent-locator.ts newLocatorEntries). Its blocks
   * not written read from the parent ("not present"); its type is dynamic.
   */
  readonly parentLocator?: Readonly<Record<string, string>>;
}

/** Refuses what the format does not allow: block sizes, sector sizes and a size past 64 TiB. */
export function checkVhdxLayout(layout: VhdxLayout): void {
  const { blockSize, virtualSize, logicalSectorSize } = layout;
  if (layout.parentLocator && layout.type !== 'dynamic')
    throw new PlatterError('BAD_ARGUMENT', 'a differencing disk is always dynamic', 'leave out --type fixed');
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      `the VHDX block size ${blockSize} is not a power of two from 1 MiB to 256 MiB`,
      'use 32M (the default, as Hyper-V), or 1M for disks that must stay small',
    );
  }
  if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0 || virtualSize % logicalSectorSize !== 0) {
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${virtualSize} is not a positive multiple of the ${logicalSectorSize}-byte logical sector`,
      `use ${alignUp(Math.max(virtualSize, 1), logicalSectorSize)} (the next whole sector)`,
    );
  }
  if (virtualSize > VHDX_MAX_SIZE) {
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${virtualSize} is larger than the VHDX limit of 64 TiB`,
      'choose 64T or less (the most a VHDX can address)',
    );
  }
}

/** Who the disk is: a rewrite of an existing disk (compact) keeps both, so its children stay valid. */
export interface VhdxIdentity {
  /** What a differencing child made from this disk records as its parent_linkage. */
  readonly dataWriteGuid: string;
  /** The Virtual Disk ID the guest sees. */
  readonly page83Data: string;
}

function geometryOf(layout: VhdxLayout): BatGeometry {
  const { blockSize, logicalSectorSize, virtualSize } = layout;
  return batGeometry({ blockSize, logicalSectorSize, virtualSize, hasParent: layout.parentLocator !== undefined });
}

function batLengthFor(layout: VhdxLayout): number {
  const entries = geometryOf(layout).totalEntries;
  return Math.max(MIB, alignUp(entries * BAT_ENTRY_SIZE, MIB));
}

/** The sector bitmap blocks a differencing disk is written with: one per chunk (none for other disks). */
function bitmapBlocksFor(layout: VhdxLayout): number {
  return layout.parentLocator ? geometryOf(layout).bitmapBlocks : 0;
}

/** The size of the file VhdxWriter writes for `layout` holding `blocks` payload blocks. */
export function vhdxFileSize(layout: VhdxLayout, blocks: number): number {
  return (
    BAT_OFFSET + batLengthFor(layout) + bitmapBlocksFor(layout) * SECTOR_BITMAP_BLOCK_SIZE + blocks * layout.blockSize
  );
}

export class VhdxWriter {
  readonly identity: VhdxIdentity;
  private readonly geometry: BatGeometry;
  private readonly bat: VhdxBat;
  private readonly batLength: number;
  private next: number;

  constructor(
    private readonly file: RandomAccessFile,
    private readonly layout: VhdxLayout,
    identity?: VhdxIdentity,
  ) {
    checkVhdxLayout(layout);
    this.identity = identity ?? { dataWriteGuid: randomGuid(), page83Data: randomGuid() };
    this.geometry = geometryOf(layout);
    this.bat = createBat(this.geometry);
    this.batLength = batLengthFor(layout);
    this.next = BAT_OFFSET + this.batLength;
    // A differencing disk: each chunk's sector bitmap block, present and all zeros (every sector from the parent,
    // until a block is partially present). Not "not present": libvhdi (20210425) reads a differencing disk's bitmap
    // at the entry's offset whatever its state, and would take offset 0, the file identifier, for the bitmap of
    // every block left to the parent (docs/created-images.md).
    for (let chunk = 0; chunk < bitmapBlocksFor(layout); chunk++) {
      this.bat.bitmapState[chunk] = BITMAP_STATE.present;
      this.bat.bitmapOffsetMiB[chunk] = this.next / MIB;
      this.next += SECTOR_BITMAP_BLOCK_SIZE;
    }
    // A fixed disk holds every block, in order: the payload is then the disk itself, byte for byte.
    if (layout.type === 'fixed') for (let block = 0; block < this.geometry.payloadBlocks; block++) this.allocate(block);
  }

  get blockSize(): number {
    return this.layout.blockSize;
  }

  /** Blocks the file holds, wholly or in part. */
  get allocatedBlocks(): number {
    const held = (s: number) => s === PAYLOAD_STATE.fullyPresent || s === PAYLOAD_STATE.partiallyPresent;
    return this.bat.payloadState.reduce((n, s) => (held(s) ? n + 1 : n), 0);
  }

  /**
   * A differencing disk's block that holds only the sectors `bitmap` marks (one bit per logical sector), the rest
   * read from the parent ("partially present"); its data is written with writeData.
   */
  allocatePartial(block: number, bitmap: Uint8Array): Promise<void> {
    if (!this.layout.parentLocator) throw new Error('only a differencing VHDX has partly present blocks');
    this.allocate(block);
    this.bat.payloadState[block] = PAYLOAD_STATE.partiallyPresent;
    const bytes = this.layout.blockSize / this.layout.logicalSectorSize / 8;
    const chunk = Math.floor(block / this.geometry.chunkRatio);
    const at = this.bat.bitmapOffsetMiB[chunk]! * MIB + (block % this.geometry.chunkRatio) * bytes;
    return this.file.write(bitmap.subarray(0, bytes), at);
  }

  /** A block that reads as zeros without holding any ("zero"): in a child, zeros over the parent's data. */
  markZero(block: number): void {
    this.bat.payloadState[block] = PAYLOAD_STATE.zero;
    this.bat.payloadOffsetMiB[block] = 0;
  }

  /** Makes the block one this file holds whole ("fully present"); bytes never written read as zeros. */
  allocate(block: number): void {
    const state = this.bat.payloadState[block];
    if (state === PAYLOAD_STATE.fullyPresent || state === PAYLOAD_STATE.partiallyPresent) return;
    this.bat.payloadState[block] = PAYLOAD_STATE.fullyPresent;
    this.bat.payloadOffsetMiB[block] = this.next / MIB;
    this.next += this.layout.blockSize;
  }

  /** Writes data into a block, allocating it first if needed; bytes never written stay holes that read as zeros. */
  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<void> {
    this.allocate(block);
    return this.file.write(data, this.bat.payloadOffsetMiB[block]! * MIB + offsetInBlock);
  }

  /** Writes the header section, metadata and BAT; returns the file size. */
  async finish(): Promise<number> {
    const { layout } = this;
    const header: VhdxHeader = {
      sequenceNumber: 1n,
      fileWriteGuid: randomGuid(),
      dataWriteGuid: this.identity.dataWriteGuid,
      logGuid: NIL_GUID,
      logVersion: 0,
      version: 1,
      logLength: LOG_LENGTH,
      logOffset: LOG_OFFSET,
    };
    const regions = {
      entries: [
        { guid: REGION_GUID.bat, fileOffset: BAT_OFFSET, length: this.batLength, required: true },
        { guid: REGION_GUID.metadata, fileOffset: METADATA_OFFSET, length: METADATA_LENGTH, required: true },
      ],
    };
    const section = serializeHeaderSection({ creator: CREATOR }, header, regions);
    // Two valid headers with distinct sequence numbers, as after a writer's first update: the second is current.
    section.set(serializeHeader({ ...header, sequenceNumber: 2n }), HEADER_OFFSETS[1]);
    await this.file.write(section, 0);
    const disk = { isVirtualDisk: true };
    const parent = layout.parentLocator;
    // The flags Hyper-V gives them: file parameters and parent locator required, the rest of the virtual disk too.
    const metadata = serializeMetadataRegion([
      {
        itemId: METADATA_GUID.fileParameters,
        data: serializeFileParameters({
          blockSize: layout.blockSize,
          leaveBlocksAllocated: layout.type === 'fixed',
          hasParent: parent !== undefined,
        }),
      },
      { itemId: METADATA_GUID.virtualDiskSize, data: serializeVirtualDiskSize(layout.virtualSize), ...disk },
      { itemId: METADATA_GUID.page83Data, data: serializePage83Data(this.identity.page83Data), ...disk },
      { itemId: METADATA_GUID.logicalSectorSize, data: serializeSectorSize(layout.logicalSectorSize), ...disk },
      { itemId: METADATA_GUID.physicalSectorSize, data: serializeSectorSize(layout.physicalSectorSize), ...disk },
      ...(parent ? [{ itemId: METADATA_GUID.parentLocator, data: serializeParentLocator(parent) }] : []),
    ]);
    await this.file.write(metadata, METADATA_OFFSET);
    await this.file.write(serializeBat(this.bat, this.geometry), BAT_OFFSET);
    await this.file.truncate(this.next);
    return this.next;
  }
}
