import { SECTOR } from '../fields';

export interface Geometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
}

/** The largest geometry a VHD can hold (about 127.5 GiB); larger disks keep it and rely on current size. */
export const MAX_GEOMETRY: Geometry = { cylinders: 65535, heads: 16, sectorsPerTrack: 255 };

export function geometrySectors(g: Geometry): number {
  return g.cylinders * g.heads * g.sectorsPerTrack;
}

export function geometryBytes(g: Geometry): number {
  return geometrySectors(g) * SECTOR;
}

export function isMaxGeometry(g: Geometry): boolean {
  return geometrySectors(g) === geometrySectors(MAX_GEOMETRY);
}

/** The CHS geometry for a disk of `sectors` sectors, by the VHD specification's algorithm (rounds down). */
export function geometryForSectors(sectors: number): Geometry {
  let total = sectors;
  if (total > 65535 * 16 * 255) total = 65535 * 16 * 255;
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}
