// Writes a new dynamic or fixed VDI front to back, laid out as VirtualBox 7 lays its own out (vdiInitHeader): the
// pre-header and a 1.1+ header in the first sector, the block map at 1 MiB, the data area on the next whole MiB
// after it, 1 MiB blocks. A dynamic disk's blocks are appended in the order first written (blocks of zeros never
// are); a fixed disk holds every block in order. For new files only: `finish` writes the header and map last.
import { randomUUID } from 'node:crypto';
import { OUTPUT_OPTIONS } from '../../../../shared/formats';
import { PlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import { alignUp } from '../fields';
import { SECTOR_SIZE } from './header';
import { serializeVdiHeader } from './new-header';
import { BLOCK_FREE } from './structure';

export const VDI_BLOCK_SIZE = OUTPUT_OPTIONS.vdi.blockSizes!.default;
export const VDI_MAX_SIZE = OUTPUT_OPTIONS.vdi.maxSize;
/** VirtualBox aligns the block map and the data area on 1 MiB (VDI_DATA_ALIGN). */
const DATA_ALIGN = 1024 * 1024;
/** VirtualBox refuses to create a disk smaller than one block. */
const MIN_SIZE = VDI_BLOCK_SIZE;

export interface VdiLayout {
  readonly virtualSize: number;
  readonly type: 'fixed' | 'dynamic';
}

/** Refuses what VirtualBox would not create: a size not whole sectors, under 1 MiB, or past Platter's limit. */
export function checkVdiLayout({ virtualSize }: VdiLayout): void {
  if (!Number.isSafeInteger(virtualSize) || virtualSize < MIN_SIZE || virtualSize % SECTOR_SIZE !== 0)
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${virtualSize} is not a whole number of 512-byte sectors of at least 1 MiB (VirtualBox makes no smaller VDI)`,
      `use ${alignUp(Math.max(virtualSize, MIN_SIZE), SECTOR_SIZE)} or more`,
    );
  if (virtualSize > VDI_MAX_SIZE)
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${virtualSize} is larger than the 4 TiB Platter writes as VDI`,
      'choose 4T or less, or write a VHDX (up to 64 TiB)',
    );
}

/** Who the disk is: a rewrite (compact) keeps both, so a child made from it still finds it and sees it unchanged. */
export interface VdiIdentity {
  readonly uuid: string;
  readonly modificationUuid: string;
}

/** Where the data area of a new VDI of `blocks` map entries starts: the map at 1 MiB, the data on the next MiB. */
export function vdiDataOffset(blocks: number): number {
  return DATA_ALIGN + alignUp(blocks * 4, DATA_ALIGN);
}

export class VdiWriter {
  readonly identity: VdiIdentity;
  readonly blockSize = VDI_BLOCK_SIZE;
  private readonly map: Uint32Array;
  private readonly dataOffset: number;
  private allocated = 0;

  constructor(
    private readonly file: RandomAccessFile,
    private readonly layout: VdiLayout,
    // VirtualBox gives a new image a modification UUID of its own (vdiCreateImage), changed by later writes.
    identity: VdiIdentity = { uuid: randomUUID(), modificationUuid: randomUUID() },
  ) {
    checkVdiLayout(layout);
    this.identity = identity;
    const blocks = Math.ceil(layout.virtualSize / VDI_BLOCK_SIZE);
    this.map = new Uint32Array(blocks).fill(BLOCK_FREE);
    this.dataOffset = vdiDataOffset(blocks);
    // A fixed disk: block i is data block i, so the data area is the disk itself, byte for byte.
    if (layout.type === 'fixed') for (let block = 0; block < blocks; block++) this.allocate(block);
  }

  private allocate(block: number): number {
    if (this.map[block] === BLOCK_FREE) this.map[block] = this.allocated++;
    return this.map[block]!;
  }

  /** Writes data into a block, allocating it first; bytes of it never written stay holes that read as zeros. */
  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<void> {
    const at = this.dataOffset + this.allocate(block) * VDI_BLOCK_SIZE + offsetInBlock;
    return this.file.write(data, at);
  }

  get allocatedBlocks(): number {
    return this.allocated;
  }

  /** Writes the header and block map; returns the file size (every allocated block whole). */
  async finish(): Promise<number> {
    const header = serializeVdiHeader({
      type: this.layout.type === 'fixed' ? 'fixed' : 'normal',
      diskSize: this.layout.virtualSize,
      blockSize: VDI_BLOCK_SIZE,
      blocks: this.map.length,
      blocksAllocated: this.allocated,
      blocksOffset: DATA_ALIGN,
      dataOffset: this.dataOffset,
      ...this.identity,
    });
    await this.file.write(header, 0);
    const map = new Uint8Array(this.map.length * 4);
    const dv = new DataView(map.buffer);
    this.map.forEach((entry, i) => dv.setUint32(i * 4, entry, true));
    await this.file.write(map, DATA_ALIGN);
    const size = this.dataOffset + this.allocated * VDI_BLOCK_SIZE;
    await this.file.truncate(size);
    return size;
  }
}
