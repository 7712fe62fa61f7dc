// Writes a new qcow2 version 3 image front to back: the header in cluster 0, then L2 tables and data clusters in the
// order first written (compressed clusters packed, sector-aligned, into shared clusters), then at the end the L1
// table, the refcount table and its blocks. For new files only: every cluster up to the end is in use, so the
// refcounts are 1 everywhere but where several compressed clusters share a host cluster.
import { deflateRawSync } from 'node:zlib';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { BlockWriter } from '../../ops/write-content';
import { view } from '../fields';
import { V3_HEADER_LENGTH, serializeQcow2Header } from './header';

/** Entries marked as used by exactly this image ("copied"), as qemu-img check expects for refcount 1. */
const COPIED = 1n << 63n;
const COMPRESSED = 1n << 62n;
/** 16-bit refcounts, as qemu writes by default. */
const REFCOUNT_ORDER = 4;
/** L2 tables kept in memory: the pump writes in order, so the tables behind it are written out and dropped. */
const L2_KEPT = 2;

export interface Qcow2Layout {
  readonly virtualSize: number;
  readonly clusterSize: number;
  /** Write each cluster deflated (raw deflate with a 4 KiB window, as qemu), or as is where that is no smaller. */
  readonly compress: boolean;
}

export class Qcow2Writer implements BlockWriter {
  private readonly clusterBits: number;
  private readonly perTable: number;
  private readonly l1: Float64Array;
  private readonly tables = new Map<number, { offset: number; entries: DataView }>();
  private readonly written: Promise<unknown>[] = [];
  /** Host clusters shared by compressed clusters, and how many each holds. */
  private readonly shared = new Map<number, number>();
  private pool = { at: 0, end: 0 };
  private pending: { cluster: number; bytes: Uint8Array } | null = null;
  private next: number;

  constructor(
    private readonly file: RandomAccessFile,
    private readonly layout: Qcow2Layout,
  ) {
    this.clusterBits = Math.log2(layout.clusterSize);
    this.perTable = layout.clusterSize / 8;
    this.l1 = new Float64Array(Math.ceil(layout.virtualSize / (layout.clusterSize * this.perTable)));
    this.next = layout.clusterSize;
  }

  get blockSize(): number {
    return this.layout.clusterSize;
  }

  writeData(cluster: number, offsetInCluster: number, data: Uint8Array): Promise<unknown> {
    if (!this.layout.compress) return this.file.write(data, this.hostCluster(cluster) + offsetInCluster);
    let flushed: Promise<unknown> = Promise.resolve();
    if (this.pending && this.pending.cluster !== cluster) flushed = this.flushPending();
    // The pump reuses its buffers: the cluster is gathered in a copy until the pump moves past it.
    this.pending ??= { cluster, bytes: new Uint8Array(this.layout.clusterSize) };
    this.pending.bytes.set(data, offsetInCluster);
    return flushed;
  }

  /**
   * Writes a run that may span clusters: clusters that land next to each other in the file (as new ones do) are
   * one write, not one per cluster.
   */
  writeRun(position: number, data: Uint8Array): Promise<unknown> {
    const size = this.layout.clusterSize;
    const writes: Promise<unknown>[] = [];
    let from = 0;
    let host = -1;
    for (let at = 0; at < data.length;) {
      const cluster = Math.floor((position + at) / size);
      const inCluster = position + at - cluster * size;
      const next = Math.min(data.length, at + size - inCluster);
      if (this.layout.compress) writes.push(this.writeData(cluster, inCluster, data.subarray(at, next)));
      else {
        const place = this.hostCluster(cluster) + inCluster;
        if (host < 0 || host + (at - from) !== place) {
          if (host >= 0) writes.push(this.file.write(data.subarray(from, at), host));
          [from, host] = [at, place];
        }
      }
      at = next;
    }
    if (host >= 0) writes.push(this.file.write(data.subarray(from), host));
    return Promise.all(writes);
  }

  private table(cluster: number): DataView {
    const index = Math.floor(cluster / this.perTable);
    const known = this.tables.get(index);
    if (known) return known.entries;
    const offset = this.allocate(1);
    this.l1[index] = offset;
    const entries = view(new Uint8Array(this.layout.clusterSize));
    this.tables.set(index, { offset, entries });
    for (const [i, t] of this.tables) if (this.tables.size > L2_KEPT && i < index) this.writeTable(i, t);
    return entries;
  }

  private writeTable(index: number, t: { offset: number; entries: DataView }): void {
    this.tables.delete(index);
    const bytes = new Uint8Array(t.entries.buffer, t.entries.byteOffset, t.entries.byteLength);
    this.track(this.file.write(bytes, t.offset));
  }

  private track(write: Promise<unknown>): void {
    write.catch(() => undefined); // awaited in finish
    this.written.push(write);
  }

  private allocate(clusters: number): number {
    const offset = this.next;
    this.next += clusters * this.layout.clusterSize;
    return offset;
  }

  /** The host cluster of guest `cluster`, allocated on its first write. */
  private hostCluster(cluster: number): number {
    const entries = this.table(cluster);
    const at = (cluster % this.perTable) * 8;
    const known = entries.getBigUint64(at) & ~COPIED;
    if (known !== 0n) return Number(known);
    const offset = this.allocate(1);
    entries.setBigUint64(at, BigInt(offset) | COPIED);
    return offset;
  }

  private flushPending(): Promise<unknown> {
    const { cluster, bytes } = this.pending!;
    this.pending = null;
    const packed = deflateRawSync(bytes, { windowBits: 12 });
    if (packed.length >= this.layout.clusterSize) return this.file.write(bytes, this.hostCluster(cluster));
    const sectors = Math.ceil(packed.length / 512);
    const offset = this.placeCompressed(sectors * 512);
    const entries = this.table(cluster);
    const x = BigInt(62 - (this.clusterBits - 8));
    entries.setBigUint64((cluster % this.perTable) * 8, COMPRESSED | (BigInt(sectors - 1) << x) | BigInt(offset));
    return this.file.write(packed, offset);
  }

  /** Room for `bytes` of compressed data in the shared clusters, extending them when they are the last ones. */
  private placeCompressed(bytes: number): number {
    const size = this.layout.clusterSize;
    if (this.pool.at + bytes > this.pool.end) {
      if (this.pool.end !== this.next || this.pool.at === this.pool.end) this.pool = { at: this.next, end: this.next };
      const more = Math.ceil((this.pool.at + bytes - this.pool.end) / size);
      this.allocate(more);
      this.pool.end += more * size;
    }
    const offset = this.pool.at;
    this.pool.at += bytes;
    for (let c = Math.floor(offset / size); c <= Math.floor((offset + bytes - 1) / size); c++)
      this.shared.set(c, (this.shared.get(c) ?? 0) + 1);
    return offset;
  }

  async finish(): Promise<number> {
    if (this.pending) this.track(this.flushPending());
    for (const [i, t] of this.tables) this.writeTable(i, t);
    const size = this.layout.clusterSize;
    const l1Offset = this.allocate(Math.max(1, Math.ceil((this.l1.length * 8) / size)));
    const perBlock = (size * 8) / 2 ** REFCOUNT_ORDER;
    // The refcount blocks count themselves and the table: grow both until they cover every cluster.
    const base = this.next / size;
    let blocks = 0;
    let tableClusters = 0;
    for (;;) {
      const total = base + tableClusters + blocks;
      const needBlocks = Math.ceil(total / perBlock);
      const needTable = Math.ceil((needBlocks * 8) / size);
      if (needBlocks === blocks && needTable === tableClusters) break;
      blocks = needBlocks;
      tableClusters = needTable;
    }
    const tableOffset = this.allocate(tableClusters);
    const blocksOffset = this.allocate(blocks);
    const total = this.next / size;
    const table = view(new Uint8Array(tableClusters * size));
    for (let b = 0; b < blocks; b++) {
      table.setBigUint64(b * 8, BigInt(blocksOffset + b * size));
      const block = view(new Uint8Array(size));
      for (let i = 0, c = b * perBlock; i < perBlock && c < total; i++, c++)
        block.setUint16(i * 2, this.shared.get(c) ?? 1);
      this.track(this.file.write(new Uint8Array(block.buffer), blocksOffset + b * size));
      if (this.written.length > 64) await this.settle();
    }
    this.track(this.file.write(new Uint8Array(table.buffer), tableOffset));
    const l1 = view(new Uint8Array(this.l1.length * 8));
    this.l1.forEach((offset, i) => offset && l1.setBigUint64(i * 8, BigInt(offset) | COPIED));
    this.track(this.file.write(new Uint8Array(l1.buffer), l1Offset));
    const header = serializeQcow2Header({
      version: 3,
      backingFileOffset: 0,
      backingFileSize: 0,
      clusterBits: this.clusterBits,
      clusterSize: size,
      virtualSize: this.layout.virtualSize,
      cryptMethod: 0,
      l1Size: this.l1.length,
      l1TableOffset: l1Offset,
      refcountTableOffset: tableOffset,
      refcountTableClusters: tableClusters,
      snapshotCount: 0,
      snapshotsOffset: 0,
      incompatibleFeatures: 0n,
      compatibleFeatures: 0n,
      autoclearFeatures: 0n,
      refcountOrder: REFCOUNT_ORDER,
      headerLength: V3_HEADER_LENGTH,
      compressionType: 'zlib',
      extendedL2: false,
    });
    // The header, then an empty extension area (its end marker is zeros).
    this.track(this.file.write(header, 0));
    await this.settle();
    await this.file.truncate(this.next);
    return this.next;
  }

  private async settle(): Promise<void> {
    const writes = this.written.splice(0);
    await Promise.all(writes);
  }
}
