// Writes a new stream-optimized VMDK in one pass, as VMware's OVF export lays one out: the header (its GD offset
// GD_AT_END), the descriptor, then each grain holding data deflated behind its marker, each grain table behind its
// marker once its span is past, the grain directory behind its marker, the footer (the header again, with the GD
// offset), and the end-of-stream marker. Grains of zeros are not written (their entries stay 0). Every byte goes
// out in order, the head first (it does not depend on what follows), so an OVA can hash the disk as it is written.
import { deflateSync } from 'node:zlib';
import type { BlockWriter } from '../../ops/write-content';
import { alignUp } from '../fields';
import { COMPRESS_DEFLATE, FLAG_COMPRESSED, FLAG_MARKERS, FLAG_VALID_NEWLINE, SECTOR } from './sparse-header';
import { serializeKdmvHeader } from './sparse-header';
import type { NewSparseHeader } from './sparse-header';
import { GRAIN_SECTORS, GTES_PER_GT, descriptorSectors } from './sparse-writer';

const MARKER_GT = 1;
const MARKER_GD = 2;
const MARKER_FOOTER = 3;

function marker(sectors: number, type: number): Uint8Array {
  const bytes = new Uint8Array(SECTOR);
  const dv = new DataView(bytes.buffer);
  dv.setBigUint64(0, BigInt(sectors), true);
  dv.setUint32(12, type, true);
  return bytes;
}

function littleEndian(table: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(alignUp(table.length * 4, SECTOR));
  const dv = new DataView(bytes.buffer);
  table.forEach((v, i) => dv.setUint32(i * 4, v, true));
  return bytes;
}

/** Where the stream goes: the new file, or the disk's place inside an OVA. */
export interface StreamTarget {
  write(bytes: Uint8Array, position: number): Promise<void>;
  truncate(length: number): Promise<void>;
  readonly size: number;
}

export class StreamVmdkWriter implements BlockWriter {
  readonly blockSize = GRAIN_SECTORS * SECTOR;
  private readonly gd: Uint32Array;
  private gt = new Uint32Array(GTES_PER_GT);
  private gtIndex = 0;
  private gtUsed = false;
  /** The grain being filled (the pump's runs come in order), and its number. */
  private grain: Uint8Array | null = null;
  private grainIndex = -1;
  /** The next free sector. */
  private next = 0;
  /** Writes are chained: each starts as its call is made, in order. */
  private tail: Promise<void> = Promise.resolve();
  private readonly header: NewSparseHeader;

  constructor(
    private readonly file: StreamTarget,
    capacity: number,
    descriptor: string,
  ) {
    this.gd = new Uint32Array(Math.ceil(Math.ceil(capacity / GRAIN_SECTORS) / GTES_PER_GT));
    const descSectors = descriptorSectors(descriptor);
    const overheadSectors = Math.max(GRAIN_SECTORS, 1 + descSectors);
    this.header = {
      version: 3,
      flags: FLAG_VALID_NEWLINE | FLAG_COMPRESSED | FLAG_MARKERS,
      capacity,
      grainSectors: GRAIN_SECTORS,
      descriptorOffset: 1,
      descriptorSectors: descSectors,
      rgdOffset: 0,
      gdOffset: null,
      overheadSectors,
      compressAlgorithm: COMPRESS_DEFLATE,
    };
    const head = new Uint8Array(overheadSectors * SECTOR);
    head.set(serializeKdmvHeader(this.header));
    head.set(new TextEncoder().encode(descriptor), SECTOR);
    this.append(head);
  }

  private append(bytes: Uint8Array): number {
    const at = this.next;
    this.next += bytes.length / SECTOR;
    this.tail = this.tail.then(() => this.file.write(bytes, at * SECTOR));
    // A failed write is reported by the next writeData or finish, whoever awaits the chain; until then (the head is
    // written before any grain) it must not count as unhandled. Writes chained after it are skipped.
    this.tail.catch(() => {});
    return at;
  }

  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<unknown> {
    if (block !== this.grainIndex) {
      if (block < this.grainIndex) throw new RangeError('stream-optimized grains must be written in order');
      this.flushGrain();
      this.moveToTable(Math.floor(block / GTES_PER_GT));
      this.grain = new Uint8Array(this.blockSize);
      this.grainIndex = block;
    }
    this.grain!.set(data, offsetInBlock);
    return this.tail;
  }

  /** Deflates the grain being filled and appends it behind its marker (lba, size). */
  private flushGrain(): void {
    if (!this.grain) return;
    const data = deflateSync(this.grain);
    const bytes = new Uint8Array(alignUp(12 + data.length, SECTOR));
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, BigInt(this.grainIndex * GRAIN_SECTORS), true);
    dv.setUint32(8, data.length, true);
    bytes.set(data, 12);
    this.gt[this.grainIndex % GTES_PER_GT] = this.append(bytes);
    this.gtUsed = true;
    this.grain = null;
  }

  /** Writes the grain table of the span left behind (when it holds a grain) and starts table `index`. */
  private moveToTable(index: number): void {
    if (index === this.gtIndex) return;
    this.flushTable();
    this.gtIndex = index;
  }

  private flushTable(): void {
    if (!this.gtUsed) return;
    const table = littleEndian(this.gt);
    this.append(marker(table.length / SECTOR, MARKER_GT));
    this.gd[this.gtIndex] = this.append(table);
    this.gt = new Uint32Array(GTES_PER_GT);
    this.gtUsed = false;
  }

  async finish(): Promise<number> {
    this.flushGrain();
    this.flushTable();
    const directory = littleEndian(this.gd);
    this.append(marker(directory.length / SECTOR, MARKER_GD));
    const gdOffset = this.append(directory);
    this.append(marker(1, MARKER_FOOTER));
    this.append(serializeKdmvHeader({ ...this.header, gdOffset }));
    this.append(new Uint8Array(SECTOR)); // end of stream
    await this.tail;
    await this.file.truncate(this.next * SECTOR);
    return this.file.size;
  }
}
