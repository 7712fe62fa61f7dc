import { SECTOR, alignUp } from '../fields';

/** Bytes of the sector bitmap in front of each block: one bit per sector, padded to a sector. */
export function bitmapBytes(blockSize: number): number {
  return alignUp(Math.ceil(blockSize / SECTOR / 8), SECTOR);
}

/** Bit order: the most significant bit of byte 0 is the block's first sector. */
export function isSectorSet(bitmap: Uint8Array, sector: number): boolean {
  return ((bitmap[sector >> 3]! >> (7 - (sector & 7))) & 1) === 1;
}

export function setSectors(bitmap: Uint8Array, first: number, count: number): void {
  for (let s = first; s < first + count; s++) bitmap[s >> 3]! |= 0x80 >> (s & 7);
}

export interface SectorRun {
  readonly first: number;
  readonly count: number;
  readonly set: boolean;
}

/** Splits sectors [first, first + count) into runs of equal bit value. */
export function sectorRuns(bitmap: Uint8Array, first: number, count: number): SectorRun[] {
  const runs: SectorRun[] = [];
  let s = first;
  const end = first + count;
  while (s < end) {
    const set = isSectorSet(bitmap, s);
    let e = s + 1;
    while (e < end) {
      // Whole bytes at a time where they are uniform.
      if ((e & 7) === 0 && e + 8 <= end && bitmap[e >> 3] === (set ? 0xff : 0)) {
        e += 8;
        continue;
      }
      if (isSectorSet(bitmap, e) !== set) break;
      e++;
    }
    runs.push({ first: s, count: e - s, set });
    s = e;
  }
  return runs;
}
