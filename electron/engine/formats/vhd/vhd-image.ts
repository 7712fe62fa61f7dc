import { UNALLOCATED } from './bat';
import { sectorRuns } from './bitmap';
import { SECTOR } from '../fields';
import { checkReadRange } from '../../image/disk-image';
import { blockPieces, layeredExtents, readBeneath } from '../../image/layers';
import type { DiskImage, Extent } from '../../image/disk-image';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { VhdStructure } from './vhd-structure';

const BITMAP_CACHE_BYTES = 8 * 1024 * 1024;

/** A fixed, dynamic or differencing VHD, read through its parent when it has one. */
export class VhdImage implements DiskImage {
  readonly format = 'vhd' as const;
  private readonly bitmaps = new Map<number, Uint8Array>();

  constructor(
    private readonly file: RandomAccessFile,
    readonly structure: VhdStructure,
    readonly parent: DiskImage | null,
  ) {}

  get path(): string {
    return this.file.path;
  }

  /** The underlying file, for operations that copy structures verbatim. */
  get sourceFile(): RandomAccessFile {
    return this.file;
  }

  get virtualSize(): number {
    return this.structure.virtualSize;
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    const { bat, header } = this.structure;
    if (!bat || !header) return this.file.read(target, position);
    for (const { block, inBlock, from, to } of blockPieces(position, target.length, header.blockSize)) {
      const segment = target.subarray(from, to);
      const entry = bat[block]!;
      if (entry === UNALLOCATED) await this.readBeneath(segment, position + from);
      else await this.readAllocated(segment, position + from, entry * SECTOR, inBlock, block);
    }
  }

  /** Bytes not held by this file: the parent's for a differencing disk, zeros otherwise. */
  private readBeneath(segment: Uint8Array, position: number): Promise<void> {
    return readBeneath(this.parent, segment, position);
  }

  private async readAllocated(
    segment: Uint8Array,
    position: number,
    blockStart: number,
    inBlock: number,
    block: number,
  ) {
    const dataStart = blockStart + this.structure.bitmapSize;
    let bitmap = this.bitmaps.get(block);
    let dataRead = false;
    if (!bitmap && inBlock === 0) {
      // The bitmap lies right before the data: one read for both, then the sectors it leaves out are redone.
      bitmap = new Uint8Array(this.structure.bitmapSize);
      await this.file.readParts([bitmap, segment], blockStart);
      this.remember(block, bitmap);
      dataRead = true;
    }
    bitmap ??= await this.bitmap(block, blockStart);
    const firstSector = Math.floor(inBlock / SECTOR);
    const endSector = Math.ceil((inBlock + segment.length) / SECTOR);
    for (const run of sectorRuns(bitmap, firstSector, endSector - firstSector)) {
      const from = Math.max(run.first * SECTOR, inBlock);
      const to = Math.min((run.first + run.count) * SECTOR, inBlock + segment.length);
      const part = segment.subarray(from - inBlock, to - inBlock);
      if (!run.set) await this.readBeneath(part, position + (from - inBlock));
      else if (!dataRead) await this.file.read(part, dataStart + from);
    }
  }

  private async bitmap(block: number, blockStart: number): Promise<Uint8Array> {
    const bitmap = await this.file.readAt(blockStart, this.structure.bitmapSize);
    this.remember(block, bitmap);
    return bitmap;
  }

  private remember(block: number, bitmap: Uint8Array): void {
    if ((this.bitmaps.size + 1) * bitmap.length > BITMAP_CACHE_BYTES) this.bitmaps.clear();
    this.bitmaps.set(block, bitmap);
  }

  async extents(): Promise<Extent[]> {
    const { bat, header } = this.structure;
    const size = this.virtualSize;
    if (!bat || !header) return this.file.extents(size);
    const beneath = this.parent ? await this.parent.extents() : [];
    return layeredExtents(
      bat.length,
      header.blockSize,
      size,
      (block) => (bat[block] === UNALLOCATED ? 'beneath' : 'data'),
      beneath,
      // Without a parent, a sector reads as zeros whether its bitmap bit is clear or it lies in a hole of the file.
      this.parent
        ? undefined
        : {
            fileExtents: this.file.extents(this.file.size),
            offsetOf: (block) => bat[block]! * SECTOR + this.structure.bitmapSize,
          },
    );
  }

  /** Per block: held in this file, reading as zeros, or read from the parent. */
  blockStates(): ('allocated' | 'zero' | 'parent')[] {
    const { bat } = this.structure;
    if (!bat) return [];
    const empty = this.structure.footer.diskType === 'differencing' ? 'parent' : 'zero';
    return Array.from(bat, (entry) => (entry === UNALLOCATED ? empty : 'allocated'));
  }

  async close(): Promise<void> {
    await this.file.close();
    await this.parent?.close();
  }
}
