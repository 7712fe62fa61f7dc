// The one interface every supported image format is read through.

import type { FormatName } from '../../../shared/formats';

export type ImageFormat = FormatName;

/** A run of the virtual disk: `data` may hold non-zero bytes, `zero` reads as zeros without any I/O. */
export interface Extent {
  readonly offset: number;
  readonly length: number;
  readonly kind: 'data' | 'zero';
}

export interface DiskImage {
  readonly path: string;
  readonly format: ImageFormat;
  /** Bytes the guest sees. */
  readonly virtualSize: number;
  /** Fills `target` with the virtual disk's bytes from `position`; the range must lie within the virtual size. */
  read(target: Uint8Array, position: number): Promise<void>;
  /** A differencing disk's parent, open with it; null or absent for a disk of its own. */
  readonly parent?: DiskImage | null;
  /** The virtual disk as sorted, merged extents covering [0, virtualSize), resolved through any parents. */
  extents(): Promise<Extent[]>;
  /** Zeros read past the end of a raw file that is not a whole number of sectors; absent where none are. */
  readonly paddedBytes?: number;
  close(): Promise<void>;
}

/** Appends an extent, merging it with the previous one when they touch and are of one kind. */
export function pushExtent(list: Extent[], offset: number, length: number, kind: Extent['kind']): void {
  if (length <= 0) return;
  const last = list[list.length - 1];
  if (last && last.kind === kind && last.offset + last.length === offset) {
    list[list.length - 1] = { offset: last.offset, length: last.length + length, kind };
  } else {
    list.push({ offset, length, kind });
  }
}

/** Checks a read request against the virtual size. */
export function checkReadRange(image: { virtualSize: number; path: string }, length: number, position: number): void {
  if (!Number.isSafeInteger(position) || position < 0 || position + length > image.virtualSize) {
    throw new RangeError(
      `read of ${length} bytes at ${position} is outside the virtual disk of ${image.path} (${image.virtualSize} bytes)`,
    );
  }
}
