// exFAT keeps no checksum over its allocation bitmap, so a bitmap that lost bits would make live clusters look
// free. Before its free space is used, every cluster the directory tree names (each directory's and each file's
// clusters, through the FAT or, for a NoFatChain stream, as one run; the bitmap and up-case table too) is checked
// to be marked used: a cluster named by a file but marked free is damage, and the volume is kept whole.
import type { DiskImage } from '../../image/disk-image';
import { damaged, dataView, readVolume, u64le } from './volume';
import type { ByteRange, Volume } from './volume';

const FS = 'exFAT';
const FILE_ENTRY = 0x85;
const STREAM_ENTRY = 0xc0;
const BITMAP_ENTRY = 0x81;
const UPCASE_ENTRY = 0x82;
const END_OF_DIRECTORY = 0x00;
const DIRECTORY_ATTRIBUTE = 0x10;
const NO_FAT_CHAIN = 0x02;
const FAT_CHUNK = 64 * 1024;

export interface ExfatTreeLayout {
  readonly clusterBytes: number;
  readonly fatOffset: number;
  readonly heapOffset: number;
  readonly clusterCount: number;
  readonly rootCluster: number;
}

/** A run of clusters [first, first + count). */
interface ClusterRun {
  readonly first: number;
  readonly count: number;
}

/** FAT entries read in 64 KiB pieces, the last piece kept (chains mostly run forward). */
class FatReader {
  private chunkIndex = -1;
  private chunk: DataView | null = null;

  constructor(
    private readonly image: DiskImage,
    private readonly volume: Volume,
    private readonly fs: ExfatTreeLayout,
  ) {}

  async next(cluster: number): Promise<number> {
    const byte = cluster * 4;
    const index = Math.floor(byte / FAT_CHUNK);
    if (index !== this.chunkIndex) {
      const length = Math.min(FAT_CHUNK, (this.fs.clusterCount + 2) * 4 - index * FAT_CHUNK);
      this.chunk = dataView(
        await readVolume(this.image, this.volume, this.fs.fatOffset + index * FAT_CHUNK, length, FS, 'FAT'),
      );
      this.chunkIndex = index;
    }
    return this.chunk!.getUint32(byte - index * FAT_CHUNK, true);
  }
}

export class ExfatTree {
  private readonly fat: FatReader;
  /** Clusters visited in all: a tree naming more than the volume has is damage (it would loop). */
  private budget: number;

  constructor(
    private readonly image: DiskImage,
    private readonly volume: Volume,
    private readonly fs: ExfatTreeLayout,
  ) {
    this.fat = new FatReader(image, volume, fs);
    this.budget = fs.clusterCount * 2 + 16;
  }

  private valid(cluster: number): boolean {
    return cluster >= 2 && cluster < this.fs.clusterCount + 2;
  }

  /** The runs of a chain of `clusters` clusters from `first` (a contiguous run when it has no FAT chain). */
  private async chain(first: number, clusters: number, contiguous: boolean): Promise<ClusterRun[]> {
    if (!this.valid(first) || (contiguous && !this.valid(first + clusters - 1)))
      throw damaged(FS, `names cluster ${first}, outside its cluster heap`);
    if (contiguous) return [{ first, count: clusters }];
    const runs: ClusterRun[] = [];
    let cluster = first;
    for (let n = 0; n < clusters; n++) {
      if (--this.budget < 0) throw damaged(FS, 'has FAT chains that loop');
      const last = runs[runs.length - 1];
      if (last && last.first + last.count === cluster)
        runs[runs.length - 1] = { first: last.first, count: last.count + 1 };
      else runs.push({ first: cluster, count: 1 });
      if (n === clusters - 1) break;
      const next = await this.fat.next(cluster);
      if (!this.valid(next)) throw damaged(FS, `has a FAT chain that ends early at cluster ${cluster}`);
      cluster = next;
    }
    return runs;
  }

  /** A directory's clusters, followed through the FAT to the chain's end (its size is not recorded for the root). */
  private async directoryChain(first: number, clusters: number | null, contiguous: boolean): Promise<ClusterRun[]> {
    if (clusters !== null) return this.chain(first, clusters, contiguous);
    const runs: ClusterRun[] = [];
    let cluster = first;
    for (;;) {
      if (!this.valid(cluster)) throw damaged(FS, `names cluster ${cluster}, outside its cluster heap`);
      if (--this.budget < 0) throw damaged(FS, 'has FAT chains that loop');
      runs.push({ first: cluster, count: 1 });
      const next = await this.fat.next(cluster);
      if (next >= 0xfffffff8) return runs;
      cluster = next;
    }
  }

  /** Every cluster run the tree names, directories read as they are met. */
  async usedRuns(): Promise<ClusterRun[]> {
    const used: ClusterRun[] = [];
    const pending: ClusterRun[][] = [await this.directoryChain(this.fs.rootCluster, null, false)];
    while (pending.length > 0) {
      const runs = pending.pop()!;
      used.push(...runs);
      for (const entry of await this.entries(runs)) {
        const clusters = Math.ceil(entry.length / this.fs.clusterBytes);
        if (clusters === 0 || entry.first === 0) continue;
        const chain = entry.directory
          ? await this.directoryChain(entry.first, clusters, entry.contiguous)
          : await this.chain(entry.first, clusters, entry.contiguous);
        if (entry.directory) pending.push(chain);
        else used.push(...chain);
      }
    }
    return used;
  }

  /** The allocations a directory's entries name: files and subdirectories, the bitmap and the up-case table. */
  private async entries(
    runs: ClusterRun[],
  ): Promise<{ first: number; length: number; contiguous: boolean; directory: boolean }[]> {
    const found: { first: number; length: number; contiguous: boolean; directory: boolean }[] = [];
    let directory = false;
    let streamsLeft = 0;
    for (const run of runs) {
      for (let c = 0; c < run.count; c++) {
        const at = this.fs.heapOffset + (run.first + c - 2) * this.fs.clusterBytes;
        const bytes = await readVolume(this.image, this.volume, at, this.fs.clusterBytes, FS, 'directory');
        const v = dataView(bytes);
        for (let e = 0; e < bytes.length; e += 32) {
          const type = bytes[e]!;
          if (type === END_OF_DIRECTORY) return found;
          if (type === FILE_ENTRY) {
            directory = (v.getUint16(e + 4, true) & DIRECTORY_ATTRIBUTE) !== 0;
            streamsLeft = bytes[e + 1]!;
          } else if (type === STREAM_ENTRY && streamsLeft > 0) {
            const length = u64le(v, e + 24);
            if (length === null) throw damaged(FS, 'has a file of implausible length');
            const contiguous = (bytes[e + 1]! & NO_FAT_CHAIN) !== 0;
            found.push({ first: v.getUint32(e + 20, true), length, contiguous, directory });
            streamsLeft = 0;
          } else if (type === BITMAP_ENTRY || type === UPCASE_ENTRY) {
            const length = u64le(v, e + 24);
            if (length === null) throw damaged(FS, 'has a system entry of implausible length');
            found.push({ first: v.getUint32(e + 20, true), length, contiguous: false, directory: false });
          }
        }
      }
    }
    return found;
  }
}

/** Throws FS_DAMAGED when a used run lies in a free byte range (both on the disk, free ranges sorted). */
export function checkUsedNotFree(
  used: readonly { first: number; count: number }[],
  free: readonly ByteRange[],
  toByte: (cluster: number) => number,
  clusterBytes: number,
): void {
  for (const run of used) {
    const start = toByte(run.first);
    const end = start + run.count * clusterBytes;
    let lo = 0;
    let hi = free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (free[mid]!.offset + free[mid]!.length <= start) lo = mid + 1;
      else hi = mid;
    }
    const hit = free[lo];
    if (hit && hit.offset < end)
      throw damaged(FS, `has clusters from ${run.first} in use by a file but marked free in its allocation bitmap`);
  }
}
