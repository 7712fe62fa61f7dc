// Finds the holes of sparse files with lseek(SEEK_DATA/SEEK_HOLE) through the optional addon in native/, so
// conversions skip them instead of reading zeros. Without the addon every byte counts as data.
import { pushExtent } from '../image/disk-image';
import type { Extent } from '../image/disk-image';
import { nativeAddon } from './native-addon';

export function sparseSeekAvailable(): boolean {
  return nativeAddon() !== null;
}

/**
 * The data and hole extents of the first `length` bytes of an open file, or null when the system cannot tell
 * (no addon, or a file system without SEEK_DATA).
 */
export function fileExtents(fd: number, length: number): Extent[] | null {
  const addon = nativeAddon();
  if (!addon) return null;
  const seek = addon.seek.bind(addon);
  const list: Extent[] = [];
  try {
    let pos = 0;
    while (pos < length) {
      const data = seek(fd, pos, true);
      if (data < 0 || data >= length) {
        pushExtent(list, pos, length - pos, 'zero');
        break;
      }
      pushExtent(list, pos, data - pos, 'zero');
      let hole = seek(fd, data, false);
      if (hole < 0 || hole > length) hole = length;
      pushExtent(list, data, hole - data, 'data');
      pos = hole;
    }
  } catch {
    return null;
  }
  return list;
}
