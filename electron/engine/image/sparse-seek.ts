// Finds the holes of sparse files with lseek(SEEK_DATA/SEEK_HOLE) through the optional addon in native/, so
// conversions skip them instead of reading zeros. Without the addon every byte counts as data.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushExtent } from './disk-image';
import type { Extent } from './disk-image';

type Seek = (fd: number, offset: number, wantData: boolean) => number;

const ADDON = join('native', 'build', 'Release', 'platter_seek.node');
let loaded: Seek | null | undefined;

function loadSeek(): Seek | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.PLATTER_NO_NATIVE === '1') return loaded;
  // The engine runs from source (tests), from dist/cli (the command) and from out/main (the app): look upwards.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const candidate = join(dir, ADDON);
    if (!existsSync(candidate)) continue;
    try {
      loaded = (createRequire(import.meta.url)(candidate) as { seek: Seek }).seek;
    } catch {
      loaded = null;
    }
    break;
  }
  return loaded;
}

export function sparseSeekAvailable(): boolean {
  return loadSeek() !== null;
}

/**
 * The data and hole extents of the first `length` bytes of an open file, or null when the system cannot tell
 * (no addon, or a file system without SEEK_DATA).
 */
export function fileExtents(fd: number, length: number): Extent[] | null {
  const seek = loadSeek();
  if (!seek) return null;
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
