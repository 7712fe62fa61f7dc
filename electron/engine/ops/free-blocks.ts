// What compact may drop besides zero blocks: the image's blocks that lie wholly in space no file system on the disk
// uses (docs/free-space.md). The free byte ranges are worked out once, from the partition table and each clean file
// system's own record of its free space; the drivers then treat a block wholly inside them like a zero block,
// without reading it.
import { readDiskContents } from '../contents/disk-contents';
import { readFreeSpace } from '../contents/free-space';
import type { ByteRange } from '../contents/free-space';
import { PlatterError } from '../errors';
import type { DiskImage, Extent } from '../image/disk-image';
import { pushExtent } from '../image/disk-image';
import { isAllZero, PUMP_CHUNK } from './content-pump';
import type { CompactVolume } from '../../../shared/jobs';

/** Kept before a logical partition (its extended boot record lies there) and at a GPT disk's end (the backup table). */
const TABLE_KEEP = 1024 * 1024;

export interface UnusedSpace {
  /** Absolute byte ranges of the virtual disk no file system uses, sorted and merged. */
  readonly ranges: readonly ByteRange[];
  /** Each volume found, with its file system and why it is kept whole (the figures are filled in later). */
  readonly volumes: readonly VolumeFound[];
}

export interface VolumeFound {
  readonly partition: number | null;
  readonly start: number;
  readonly size: number;
  readonly fileSystem: string | null;
  readonly label: string | null;
  /** Why its space is kept whole and what to do; null when its free space is used. */
  readonly reason: string | null;
  /** The free ranges its file system reports (trusted or not). */
  readonly free: readonly ByteRange[];
}

function merged(ranges: ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of [...ranges].filter((x) => x.length > 0).sort((a, b) => a.offset - b.offset)) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length) {
      const end = Math.max(last.offset + last.length, r.offset + r.length);
      out[out.length - 1] = { offset: last.offset, length: end - last.offset };
    } else out.push({ ...r });
  }
  return out;
}

/** The gaps between partitions and after the last one; the first partition's lead-in (boot code, tables) is kept. */
function gapsOutsidePartitions(
  scheme: 'mbr' | 'gpt',
  partitions: readonly { number: number; start: number; size: number }[],
  diskSize: number,
): ByteRange[] {
  const sorted = [...partitions].sort((a, b) => a.start - b.start);
  if (sorted.length === 0) return [];
  const end = scheme === 'gpt' ? Math.max(0, diskSize - TABLE_KEEP) : diskSize;
  const gaps: ByteRange[] = [];
  let at = sorted[0]!.start + sorted[0]!.size;
  for (const p of sorted.slice(1)) {
    // A logical partition's extended boot record sits in the gap before it.
    const gapEnd = p.number >= 5 && scheme === 'mbr' ? Math.max(at, p.start - TABLE_KEEP) : p.start;
    if (gapEnd > at) gaps.push({ offset: at, length: Math.min(gapEnd, end) - at });
    at = Math.max(at, p.start + p.size);
  }
  if (end > at) gaps.push({ offset: at, length: end - at });
  return gaps.filter((g) => g.length > 0);
}

/** Reads the partition table and each volume's file-system metadata (never file data); writes nothing. */
export async function readUnusedSpace(image: DiskImage): Promise<UnusedSpace> {
  const contents = await readDiskContents(image);
  const volumes: VolumeFound[] = [];
  const free: ByteRange[] = [];
  const targets = contents.fileSystem
    ? [{ partition: null, start: 0, size: image.virtualSize, probed: contents.fileSystem }]
    : contents.partitions.map((p) => ({ partition: p.number, start: p.start, size: p.size, probed: p.fileSystem }));
  for (const t of targets) {
    const base = { partition: t.partition, start: t.start, size: t.size, label: t.probed?.label ?? null };
    if (!t.probed) {
      volumes.push({ ...base, fileSystem: null, reason: 'no file system Platter reads; kept whole', free: [] });
      continue;
    }
    try {
      const space = await readFreeSpace(image, { start: t.start, size: t.size });
      if (!space) {
        volumes.push({
          ...base,
          fileSystem: t.probed.type,
          reason: `Platter does not read the free space of ${t.probed.type}; kept whole`,
          free: [],
        });
        continue;
      }
      volumes.push({
        ...base,
        fileSystem: space.fileSystem,
        label: space.label,
        reason: space.reason,
        free: space.unused,
      });
      if (space.clean) free.push(...space.unused);
    } catch (error) {
      if (!(error instanceof PlatterError) || error.code !== 'FS_DAMAGED') throw error;
      const reason = `${error.message}; kept whole - ${error.remedy ?? 'check it with its own tools'}`;
      volumes.push({ ...base, fileSystem: t.probed.type, reason, free: [] });
    }
  }
  if (contents.scheme) free.push(...gapsOutsidePartitions(contents.scheme, contents.partitions, image.virtualSize));
  return { ranges: merged(free), volumes };
}

/** The image's blocks that lie wholly in unused space. */
export class FreeBlocks {
  private readonly bits: Uint8Array;
  readonly count: number;

  constructor(
    readonly ranges: readonly ByteRange[],
    readonly blockSize: number,
    readonly virtualSize: number,
  ) {
    this.count = Math.ceil(virtualSize / blockSize);
    this.bits = new Uint8Array(Math.ceil(this.count / 8));
    for (const r of ranges) {
      const end = Math.min(virtualSize, r.offset + r.length);
      const first = Math.ceil(r.offset / blockSize);
      // The disk's last block may be short: it is free when the range reaches the disk's end.
      const last = end === virtualSize ? this.count : Math.floor(end / blockSize);
      for (let b = first; b < last; b++) this.bits[b >> 3]! |= 1 << (b & 7);
    }
  }

  isFree(block: number): boolean {
    return block < this.count && (this.bits[block >> 3]! & (1 << (block & 7))) !== 0;
  }
}

/** Whether `layer` reads zeros over [start, start + length) (past its end it does); for a child's parent. */
export async function readsAsZero(layer: DiskImage, start: number, length: number): Promise<boolean> {
  const inLayer = Math.max(0, Math.min(length, layer.virtualSize - start));
  const piece = new Uint8Array(Math.min(PUMP_CHUNK, Math.max(1, inLayer)));
  for (let off = 0; off < inLayer; off += piece.length) {
    const chunk = piece.subarray(0, Math.min(piece.length, inLayer - off));
    await layer.read(chunk, start + off);
    if (!isAllZero(chunk)) return false;
  }
  return true;
}

/**
 * The image seen with its free blocks as zeros: they read as zeros and its extents call them zero, so a writer fed
 * from it drops them without reading them. Every other byte is the image's own.
 */
export function withFreeBlocksZero(image: DiskImage, free: FreeBlocks): DiskImage {
  const bs = free.blockSize;
  return {
    path: image.path,
    format: image.format,
    virtualSize: image.virtualSize,
    parent: null,
    async read(target, position) {
      for (let at = 0; at < target.length;) {
        const block = Math.floor((position + at) / bs);
        const n = Math.min(target.length - at, (block + 1) * bs - (position + at));
        const part = target.subarray(at, at + n);
        if (free.isFree(block)) part.fill(0);
        else await image.read(part, position + at);
        at += n;
      }
    },
    async extents() {
      const out: Extent[] = [];
      for (const e of await image.extents()) {
        if (e.kind === 'zero') {
          pushExtent(out, e.offset, e.length, 'zero');
          continue;
        }
        for (let at = e.offset; at < e.offset + e.length;) {
          const block = Math.floor(at / bs);
          const n = Math.min(e.offset + e.length - at, (block + 1) * bs - at);
          pushExtent(out, at, n, free.isFree(block) ? 'zero' : 'data');
          at += n;
        }
      }
      return out;
    },
    close: () => image.close(),
  };
}

/** Sums, for each volume, its free bytes in held blocks that hold nothing else (reclaimable) and in others (shared). */
export function volumeReport(space: UnusedSpace, free: FreeBlocks, held: (block: number) => boolean): CompactVolume[] {
  const bs = free.blockSize;
  return space.volumes.map((v) => {
    let freeBytes = 0;
    let reclaimable = 0;
    let shared = 0;
    for (const r of v.free) {
      freeBytes += r.length;
      for (let at = r.offset; at < r.offset + r.length;) {
        const block = Math.floor(at / bs);
        const n = Math.min(r.offset + r.length - at, (block + 1) * bs - at);
        if (held(block)) {
          if (v.reason === null && free.isFree(block)) reclaimable += n;
          else shared += n;
        }
        at += n;
      }
    }
    return {
      partition: v.partition,
      start: v.start,
      size: v.size,
      fileSystem: v.fileSystem,
      label: v.label,
      keptWhole: v.reason !== null,
      reason: v.reason,
      freeBytes,
      reclaimableBytes: reclaimable,
      sharedBytes: v.reason === null ? shared : 0,
    };
  });
}
