// A qcow2 image read as its active state: each guest cluster through the L1 and L2 tables to a host cluster, a
// compressed cluster, zeros, or the backing file (opened through the parent opener, of any format).
import { namingPath } from '../../errors';
import { checkReadRange } from '../../image/disk-image';
import type { DiskImage, Extent } from '../../image/disk-image';
import { overlayExtents, readBeneath } from '../../image/layers';
import type { RandomAccessFile } from '../../io/random-access-file';
import { view } from '../fields';
import { decompressCluster } from './decompress';
import { SUBCLUSTERS, decodeL2Entry, l2EntrySize } from './entries';
import type { ClusterMapping } from './entries';
import type { Qcow2Structure } from './structure';

/** L2 tables kept in memory at once (at least one, whatever the cluster size). */
const L2_CACHE_BYTES = 8 * 1024 * 1024;

/** How a cluster (or a subcluster) reads, for extents and block states. */
export type ClusterKind = 'data' | 'zero' | 'beneath' | 'mixed';

export class Qcow2Image implements DiskImage {
  readonly format = 'qcow2' as const;
  private readonly l2Cache = new Map<number, DataView>();
  /** The compressed cluster decompressed last (its host offset, -1 for none), and where its data is read. */
  private lastCompressed = -1;
  private compressedIn: Uint8Array | null = null;
  private compressedOut: Uint8Array | null = null;
  private compressedTurn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: RandomAccessFile,
    readonly structure: Qcow2Structure,
    readonly parent: DiskImage | null,
  ) {}

  get path(): string {
    return this.file.path;
  }

  get virtualSize(): number {
    return this.structure.header.virtualSize;
  }

  get clusterSize(): number {
    return this.structure.header.clusterSize;
  }

  /** Guest clusters one L2 table maps. */
  get clustersPerTable(): number {
    return this.clusterSize / l2EntrySize(this.structure.header);
  }

  get clusterCount(): number {
    return Math.ceil(this.virtualSize / this.clusterSize);
  }

  /** The L2 table of L1 entry `index`, or null when it is absent. */
  async l2Table(index: number): Promise<DataView | null> {
    const offset = this.structure.l1[index] ?? 0;
    if (offset === 0) return null;
    const cached = this.l2Cache.get(offset);
    if (cached) return cached;
    const table = view(await this.file.readAt(offset, this.clusterSize));
    if ((this.l2Cache.size + 1) * this.clusterSize > L2_CACHE_BYTES) this.l2Cache.clear();
    this.l2Cache.set(offset, table);
    return table;
  }

  async mapping(cluster: number): Promise<ClusterMapping> {
    const perTable = this.clustersPerTable;
    const table = await this.l2Table(Math.floor(cluster / perTable));
    if (!table) return { kind: 'beneath' };
    return decodeL2Entry(table, cluster % perTable, this.structure.header, this.file.size, cluster);
  }

  read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    // The tables are checked as they are read: their errors name this file, not its parent's.
    return namingPath(this.path, () => this.readClusters(target, position));
  }

  /** Clusters that lie one after the other in the file too (as qemu-img and Platter write them) are one read. */
  private async readClusters(target: Uint8Array, position: number): Promise<void> {
    const size = this.clusterSize;
    // The run of host bytes not read yet: target [runFrom, done) from the file at runHost.
    let runFrom = 0;
    let runHost = -1;
    const flush = async (to: number) => {
      if (runHost >= 0 && to > runFrom) await this.readHost(target.subarray(runFrom, to), runHost);
      runHost = -1;
    };
    for (let done = 0; done < target.length;) {
      const pos = position + done;
      const cluster = Math.floor(pos / size);
      const inCluster = pos - cluster * size;
      const length = Math.min(size - inCluster, target.length - done);
      const m = await this.mapping(cluster);
      if (m.kind === 'data') {
        const host = m.offset + inCluster;
        if (runHost < 0 || runHost + (done - runFrom) !== host) {
          await flush(done);
          [runFrom, runHost] = [done, host];
        }
      } else {
        await flush(done);
        await this.readCluster(target.subarray(done, done + length), pos, cluster, inCluster, m);
      }
      done += length;
    }
    await flush(target.length);
  }

  private async readCluster(
    segment: Uint8Array,
    pos: number,
    cluster: number,
    inCluster: number,
    m: ClusterMapping,
  ): Promise<void> {
    switch (m.kind) {
      case 'beneath':
        return readBeneath(this.parent, segment, pos);
      case 'zero':
        return void segment.fill(0);
      case 'data':
        return this.readHost(segment, m.offset + inCluster);
      case 'compressed':
        return this.readCompressed(segment, m, cluster, inCluster);
      case 'subclusters':
        return this.readSubclusters(segment, pos, inCluster, m);
    }
  }

  /** Reads host bytes; past the end of the file (a last cluster not padded out) they read as zeros, as in qemu. */
  private async readHost(segment: Uint8Array, offset: number): Promise<void> {
    const inFile = Math.max(0, Math.min(segment.length, this.file.size - offset));
    if (inFile > 0) await this.file.read(segment.subarray(0, inFile), offset);
    segment.fill(0, inFile);
  }

  private async readSubclusters(
    segment: Uint8Array,
    pos: number,
    inCluster: number,
    m: Extract<ClusterMapping, { kind: 'subclusters' }>,
  ): Promise<void> {
    const sub = this.clusterSize / SUBCLUSTERS;
    for (let done = 0; done < segment.length;) {
      const at = inCluster + done;
      const index = Math.floor(at / sub);
      const length = Math.min((index + 1) * sub - at, segment.length - done);
      const part = segment.subarray(done, done + length);
      if ((m.allocated >>> index) & 1) await this.readHost(part, m.offset + at);
      else if ((m.zero >>> index) & 1) part.fill(0);
      else await readBeneath(this.parent, part, pos + done);
      done += length;
    }
  }

  /**
   * Copies from a compressed cluster, decompressed into one buffer reused for every compressed cluster (no garbage
   * per read). Reads run concurrently (the pump keeps several in flight): they take turns with the buffers.
   */
  private readCompressed(
    segment: Uint8Array,
    m: Extract<ClusterMapping, { kind: 'compressed' }>,
    cluster: number,
    inCluster: number,
  ): Promise<void> {
    const turn = this.compressedTurn.then(async () => {
      const size = this.clusterSize;
      // A descriptor spans at most two clusters of sectors.
      this.compressedIn ??= new Uint8Array(2 * size);
      this.compressedOut ??= new Uint8Array(size);
      if (this.lastCompressed !== m.offset) {
        this.lastCompressed = -1;
        const input = this.compressedIn.subarray(0, m.size);
        await this.file.read(input, m.offset);
        decompressCluster(this.structure.header.compressionType, input, this.compressedOut, cluster);
        this.lastCompressed = m.offset;
      }
      segment.set(this.compressedOut.subarray(inCluster, inCluster + segment.length));
    });
    this.compressedTurn = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Calls `visit` with each run of guest clusters and how they read, in order: a whole absent L2 table as one run.
   * A cluster whose subclusters read differently is 'mixed'.
   */
  async walk(
    visit: (first: number, count: number, kind: ClusterKind, m: ClusterMapping | null) => void,
  ): Promise<void> {
    const perTable = this.clustersPerTable;
    const total = this.clusterCount;
    const { header } = this.structure;
    for (let index = 0; index * perTable < total; index++) {
      const first = index * perTable;
      const count = Math.min(perTable, total - first);
      const table = await this.l2Table(index);
      if (!table) {
        visit(first, count, 'beneath', null);
        continue;
      }
      for (let i = 0; i < count; i++) {
        const m = decodeL2Entry(table, i, header, this.file.size, first + i);
        visit(first + i, 1, kindOf(m), m);
      }
    }
  }

  async extents(): Promise<Extent[]> {
    const beneath = this.parent ? await this.parent.extents() : [];
    const own: Run[] = [];
    const size = this.clusterSize;
    // 'mixed' reads through read(): data is what the pump reads byte by byte.
    await namingPath(this.path, () =>
      this.walk((first, count, kind) => {
        const start = first * size;
        const end = Math.min((first + count) * size, this.virtualSize);
        const as = kind === 'beneath' ? 'beneath' : kind === 'zero' ? 'zero' : 'data';
        pushRun(own, start, end - start, as);
      }),
    );
    return overlayExtents(own, beneath);
  }

  async close(): Promise<void> {
    await this.file.close();
    await this.parent?.close();
  }
}

export function kindOf(m: ClusterMapping): ClusterKind {
  if (m.kind !== 'subclusters') return m.kind === 'compressed' ? 'data' : m.kind;
  const all = 0xffffffff;
  if (m.allocated === all) return 'data';
  if (m.zero === all) return 'zero';
  if (m.allocated === 0 && m.zero === 0) return 'beneath';
  return 'mixed';
}

type Run = { offset: number; length: number; kind: 'data' | 'zero' | 'beneath' };

function pushRun(runs: Run[], offset: number, length: number, kind: Run['kind']): void {
  const last = runs[runs.length - 1];
  if (last && last.kind === kind && last.offset + last.length === offset) last.length += length;
  else if (length > 0) runs.push({ offset, length, kind });
}
