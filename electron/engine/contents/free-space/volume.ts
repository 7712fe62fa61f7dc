// What every free-space reader shares: the result shape, a volume's bounded reads, the merging range list and the
// typed error for a damaged structure.
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';

/** A volume inside the virtual disk: its byte range [start, start + size). */
export interface Volume {
  readonly start: number;
  readonly size: number;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export type FreeSpaceFileSystem = 'ext2' | 'ext3' | 'ext4' | 'vfat' | 'exfat' | 'ntfs' | 'swap';

/** What a file system says about its own space. `unused` holds absolute disk byte ranges, sorted and merged. */
export interface FreeSpace {
  readonly fileSystem: FreeSpaceFileSystem;
  readonly label: string | null;
  /** True only when it was cleanly unmounted: `unused` may then be trusted. */
  readonly clean: boolean;
  /** Why it is not trusted and what to do; null when clean. */
  readonly reason: string | null;
  readonly unused: readonly ByteRange[];
  readonly unusedBytes: number;
}

/** Sorted, merged byte ranges built as they come (callers add in ascending order). */
export class RangeList {
  readonly ranges: ByteRange[] = [];
  bytes = 0;

  /** Ranges are clipped to end at `limit` (the file system's last byte on the disk). */
  constructor(private readonly limit = Number.MAX_SAFE_INTEGER) {}

  add(offset: number, length: number): void {
    length = Math.min(length, this.limit - offset);
    if (length <= 0) return;
    const last = this.ranges[this.ranges.length - 1];
    if (last && offset < last.offset + last.length) throw new RangeError('free ranges must come in ascending order');
    this.bytes += length;
    if (last && last.offset + last.length === offset) {
      this.ranges[this.ranges.length - 1] = { offset: last.offset, length: last.length + length };
    } else {
      this.ranges.push({ offset, length });
    }
  }
}

export function damaged(fileSystem: string, message: string): PlatterError {
  return new PlatterError(
    'FS_DAMAGED',
    `the ${fileSystem} file system ${message}`,
    'check the file system in its own system (e2fsck, chkdsk, fsck.fat) before compacting; its space is kept whole',
    { fileSystem },
  );
}

/** Reads `length` bytes at `offset` inside the volume; a structure pointing outside it is damage. */
export async function readVolume(
  image: DiskImage,
  volume: Volume,
  offset: number,
  length: number,
  fileSystem: string,
  what: string,
): Promise<Uint8Array> {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > volume.size ||
    volume.start + offset + length > image.virtualSize
  ) {
    throw damaged(fileSystem, `places its ${what} outside the volume (${length} bytes at ${offset})`);
  }
  const bytes = new Uint8Array(length);
  if (length > 0) await image.read(bytes, volume.start + offset);
  return bytes;
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A little-endian 64-bit field, or null when it exceeds a safe integer. */
export function u64le(view: DataView, at: number): number | null {
  const value = view.getBigUint64(at, true);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/**
 * Adds the clear bits of a bitmap as free units: bit i (LSB first) stands for unit `first + i`, each `unitBytes`
 * long starting at byte `base + (first + i) * unitBytes` of the disk; only the first `count` bits count.
 */
export function addClearBits(
  out: RangeList,
  bitmap: Uint8Array,
  count: number,
  first: number,
  unitBytes: number,
  base: number,
): void {
  let runStart = -1;
  const flush = (end: number) => {
    if (runStart >= 0) out.add(base + (first + runStart) * unitBytes, (end - runStart) * unitBytes);
    runStart = -1;
  };
  for (let i = 0; i < count;) {
    const byte = bitmap[i >> 3]!;
    if ((i & 7) === 0 && i + 8 <= count && (byte === 0 || byte === 0xff)) {
      if (byte === 0) {
        if (runStart < 0) runStart = i;
      } else flush(i);
      i += 8;
      continue;
    }
    if (byte & (1 << (i & 7))) flush(i);
    else if (runStart < 0) runStart = i;
    i++;
  }
  flush(count);
}
