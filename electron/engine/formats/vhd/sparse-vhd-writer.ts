import { UNALLOCATED, serializeBat } from './bat';
import { bitmapBytes } from './bitmap';
import { serializeDynamicHeader } from './dynamic-header';
import type { DynamicHeader } from './dynamic-header';
import { SECTOR } from '../fields';
import { serializeFooter } from './footer';
import type { Footer } from './footer';
import type { RandomAccessFile } from '../../io/random-access-file';
import { HEADER_OFFSET, endOfTable } from './new-vhd';
import type { ParentLink } from '../../ops/parent-link';

/**
 * Writes a new dynamic or differencing VHD front to back: blocks are appended in the order first written, and the
 * header, BAT and both footers are written by `finish`. For new files only (a temporary output renamed into place).
 */
export class SparseVhdWriter {
  readonly bat: Uint32Array;
  readonly bitmapSize: number;
  private next: number;
  private readonly fullBitmap: Uint8Array;

  constructor(
    private readonly file: RandomAccessFile,
    private readonly footer: Footer,
    private readonly header: DynamicHeader,
    private readonly link: ParentLink | null = null,
  ) {
    this.bat = new Uint32Array(header.maxTableEntries).fill(UNALLOCATED);
    this.bitmapSize = bitmapBytes(header.blockSize);
    this.fullBitmap = new Uint8Array(this.bitmapSize).fill(0xff);
    this.next = link ? link.end : endOfTable(header);
  }

  get blockSize(): number {
    return this.header.blockSize;
  }

  get allocatedBlocks(): number {
    return this.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0);
  }

  isAllocated(block: number): boolean {
    return this.bat[block] !== UNALLOCATED;
  }

  /**
   * Allocates `block` with the given sector bitmap (default: every sector present). The block's place is taken
   * at once, so allocations keep the order of the calls even while their writes overlap.
   */
  allocate(block: number, bitmap: Uint8Array = this.fullBitmap): Promise<void> {
    if (this.isAllocated(block)) throw new Error(`block ${block} is already allocated`);
    this.bat[block] = this.next / SECTOR;
    const written = this.file.write(bitmap, this.next);
    this.next += this.bitmapSize + this.header.blockSize;
    return written;
  }

  /** Writes data into a block, allocating it first if needed; bytes never written stay holes that read as zeros. */
  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<unknown> {
    if (!this.isAllocated(block) && offsetInBlock === 0) {
      // The bitmap and the data right after it: one write.
      const at = this.next;
      this.bat[block] = at / SECTOR;
      this.next += this.bitmapSize + this.header.blockSize;
      return this.file.writeParts([this.fullBitmap, data], at);
    }
    const allocated = this.isAllocated(block) ? null : this.allocate(block);
    const written = this.file.write(data, this.bat[block]! * SECTOR + this.bitmapSize + offsetInBlock);
    return allocated ? Promise.all([allocated, written]) : written;
  }

  /** Replaces an allocated block's sector bitmap (for children, whose bitmaps mark only what they hold). */
  setBitmap(block: number, bitmap: Uint8Array): Promise<void> {
    if (!this.isAllocated(block)) throw new Error(`block ${block} is not allocated`);
    return this.file.write(bitmap, this.bat[block]! * SECTOR);
  }

  /** Writes the header, locators, BAT and both footers; the file then ends with its footer. */
  async finish(): Promise<number> {
    const footerBytes = serializeFooter(this.footer);
    await this.file.write(footerBytes, 0);
    await this.file.write(serializeDynamicHeader(this.header), HEADER_OFFSET);
    await this.file.write(serializeBat(this.bat), this.header.tableOffset);
    for (const blob of this.link?.blobs ?? []) {
      const area = new Uint8Array(Math.ceil(blob.data.length / SECTOR) * SECTOR);
      area.set(blob.data);
      await this.file.write(area, blob.offset);
    }
    await this.file.truncate(this.next);
    await this.file.write(footerBytes, this.next);
    return this.next + footerBytes.length;
  }
}
