// Writes a new monolithicSparse VMDK as VMware Workstation lays one out: the header, the embedded descriptor, the
// redundant grain directory and its tables, the grain directory and its tables (every table in place from the
// start, as VMware preallocates them), then the grains, each where it was first written. Only the tables that
// name a grain are kept in memory; the others stay holes of zeros in the file.
import type { RandomAccessFile } from '../../io/random-access-file';
import type { BlockWriter } from '../../ops/write-content';
import { alignUp } from '../fields';
import { FLAG_REDUNDANT_GT, FLAG_VALID_NEWLINE, SECTOR, serializeKdmvHeader } from './sparse-header';
import type { NewSparseHeader } from './sparse-header';

/** VMware's 64 KiB grains. */
export const GRAIN_SECTORS = 128;
export const GTES_PER_GT = 512;
/** VMware reserves 20 sectors for an embedded descriptor; a longer one gets what it needs. */
export const DESCRIPTOR_SECTORS = 20;
const GT_SECTORS = (GTES_PER_GT * 4) / SECTOR;

export function descriptorSectors(text: string): number {
  return Math.max(DESCRIPTOR_SECTORS, Math.ceil(new TextEncoder().encode(text).length / SECTOR));
}

export class SparseVmdkWriter implements BlockWriter {
  readonly blockSize = GRAIN_SECTORS * SECTOR;
  private readonly header: NewSparseHeader;
  private readonly gdEntries: number;
  private readonly rgtStart: number;
  private readonly gtStart: number;
  private readonly tables = new Map<number, Uint32Array>();
  private next: number;

  constructor(
    private readonly file: RandomAccessFile,
    capacity: number,
    private readonly descriptor: string,
  ) {
    this.gdEntries = Math.ceil(Math.ceil(capacity / GRAIN_SECTORS) / GTES_PER_GT);
    const gdSectors = Math.ceil((this.gdEntries * 4) / SECTOR);
    const descSectors = descriptorSectors(descriptor);
    const rgdOffset = 1 + descSectors;
    this.rgtStart = rgdOffset + gdSectors;
    const gdOffset = this.rgtStart + this.gdEntries * GT_SECTORS;
    this.gtStart = gdOffset + gdSectors;
    this.next = alignUp(this.gtStart + this.gdEntries * GT_SECTORS, GRAIN_SECTORS);
    this.header = {
      version: 1,
      flags: FLAG_VALID_NEWLINE | FLAG_REDUNDANT_GT,
      capacity,
      grainSectors: GRAIN_SECTORS,
      descriptorOffset: 1,
      descriptorSectors: descSectors,
      rgdOffset,
      gdOffset,
      overheadSectors: this.next,
      compressAlgorithm: 0,
    };
  }

  /** Where the grain lies, allocated at the end on its first write (decided before any await: runs keep order). */
  private sectorOf(grain: number): number {
    const index = Math.floor(grain / GTES_PER_GT);
    let table = this.tables.get(index);
    if (!table) this.tables.set(index, (table = new Uint32Array(GTES_PER_GT)));
    const slot = grain % GTES_PER_GT;
    if (table[slot] === 0) {
      table[slot] = this.next;
      this.next += GRAIN_SECTORS;
    }
    return table[slot]!;
  }

  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<unknown> {
    return this.file.write(data, this.sectorOf(block) * SECTOR + offsetInBlock);
  }

  async finish(): Promise<number> {
    const h = this.header;
    const gdSectors = Math.ceil((this.gdEntries * 4) / SECTOR);
    const directories = new Uint8Array(gdSectors * SECTOR * 2);
    const dv = new DataView(directories.buffer);
    for (let i = 0; i < this.gdEntries; i++) {
      dv.setUint32(i * 4, this.rgtStart + i * GT_SECTORS, true);
      dv.setUint32(gdSectors * SECTOR + i * 4, this.gtStart + i * GT_SECTORS, true);
    }
    for (const [index, table] of this.tables) {
      const bytes = new Uint8Array(GT_SECTORS * SECTOR);
      const tv = new DataView(bytes.buffer);
      table.forEach((v, i) => tv.setUint32(i * 4, v, true));
      await this.file.write(bytes, (this.rgtStart + index * GT_SECTORS) * SECTOR);
      await this.file.write(bytes, (this.gtStart + index * GT_SECTORS) * SECTOR);
    }
    await this.file.write(directories.subarray(0, gdSectors * SECTOR), h.rgdOffset * SECTOR);
    await this.file.write(directories.subarray(gdSectors * SECTOR), h.gdOffset! * SECTOR);
    const head = new Uint8Array((1 + h.descriptorSectors) * SECTOR);
    head.set(serializeKdmvHeader(h));
    head.set(new TextEncoder().encode(this.descriptor), SECTOR);
    await this.file.write(head, 0);
    await this.file.truncate(this.next * SECTOR);
    return this.file.size;
  }
}
