// A sector bitmap block: bit i (bit i % 8 of byte i / 8, least significant first) is set when sector i of the
// chunk is in this file, clear when it is the parent's.

export interface BitRun {
  readonly first: number;
  readonly count: number;
  readonly set: boolean;
}

export function isBitSet(bitmap: Uint8Array, bit: number): boolean {
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

export function setBits(bitmap: Uint8Array, first: number, count: number): void {
  for (let b = first; b < first + count; b++) bitmap[b >> 3]! |= 1 << (b & 7);
}

/** Splits bits [first, first + count) into runs of equal value. */
export function bitRuns(bitmap: Uint8Array, first: number, count: number): BitRun[] {
  const runs: BitRun[] = [];
  const end = first + count;
  let b = first;
  while (b < end) {
    const set = isBitSet(bitmap, b);
    let e = b + 1;
    while (e < end) {
      // Whole bytes at a time where they are uniform.
      if ((e & 7) === 0 && e + 8 <= end && bitmap[e >> 3] === (set ? 0xff : 0)) {
        e += 8;
        continue;
      }
      if (isBitSet(bitmap, e) !== set) break;
      e++;
    }
    runs.push({ first: b, count: e - b, set });
    b = e;
  }
  return runs;
}
