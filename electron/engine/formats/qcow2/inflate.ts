// Raw deflate (RFC 1951) decoded into a buffer the caller owns, stopping the moment it is full. Node's zlib
// allocates its output and a fresh engine per call: reading a compressed disk would make hundreds of MiB of garbage
// per GiB, and the garbage collector lets that reach tens of MiB before it runs. Here nothing is allocated per
// cluster: the Huffman tables are built into module-level arrays, and the work is bounded by the output's size
// (decoding stops once the cluster is full, as qemu's inflate with Z_FINISH does).

export class InflateError extends Error {}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order the code length code lengths are stored in. */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A lookup table: index the next `bits` bits (first bit lowest); entry = symbol << 4 | code length, 0 = no code. */
interface Table {
  readonly entries: Int32Array;
  bits: number;
}

const table = (maxBits: number): Table => ({ entries: new Int32Array(1 << maxBits), bits: 0 });
const litTable = table(15);
const distTable = table(15);
const clenTable = table(7);
const fixedLit = table(9);
const fixedDist = table(5);
/** Code lengths: the 19 code length codes, then up to 286 literal/length and 30 distance codes. */
const lengths = new Uint8Array(19 + 286 + 30);
const counts = new Uint16Array(16);
const nextCode = new Uint16Array(16);

/** Builds the canonical Huffman table of `n` code lengths starting at `from` in `lengths`. */
function build(t: Table, from: number, n: number): void {
  counts.fill(0);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const len = lengths[from + i]!;
    counts[len]!++;
    if (len > max) max = len;
  }
  counts[0] = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - counts[len]!;
    if (left < 0) throw new InflateError('an over-subscribed Huffman code');
  }
  t.bits = Math.max(max, 1);
  const size = 1 << t.bits;
  t.entries.fill(0, 0, size);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + counts[len - 1]!) << 1;
    nextCode[len] = code;
  }
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[from + sym]!;
    if (len === 0) continue;
    const c = nextCode[len]!++;
    // Codes are stored first bit first: the table is indexed by the bit-reversed code.
    let reversed = 0;
    for (let b = 0; b < len; b++) reversed |= ((c >> b) & 1) << (len - 1 - b);
    for (let fill = reversed; fill < size; fill += 1 << len) t.entries[fill] = (sym << 4) | len;
  }
}

lengths.fill(8, 0, 144);
lengths.fill(9, 144, 256);
lengths.fill(7, 256, 280);
lengths.fill(8, 280, 288);
build(fixedLit, 0, 288);
lengths.fill(5, 0, 30);
build(fixedDist, 0, 30);

/** Decodes raw deflate `input` into `out`; returns the bytes written (out.length once it is full). */
export function inflateInto(input: Uint8Array, out: Uint8Array): number {
  let pos = 0;
  let bitBuf = 0;
  let bitCount = 0;
  let written = 0;
  const need = (n: number) => {
    while (bitCount < n) {
      if (pos >= input.length) throw new InflateError('the stream ends early');
      bitBuf |= input[pos++]! << bitCount;
      bitCount += 8;
    }
  };
  const bits = (n: number): number => {
    need(n);
    const value = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return value;
  };
  const decode = (t: Table): number => {
    while (bitCount < t.bits && pos < input.length) {
      bitBuf |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    const entry = t.entries[bitBuf & ((1 << t.bits) - 1)]!;
    const len = entry & 15;
    if (len === 0) throw new InflateError('a code that is not in its Huffman table');
    if (len > bitCount) throw new InflateError('the stream ends early');
    bitBuf >>>= len;
    bitCount -= len;
    return entry >> 4;
  };
  for (let final = 0; final === 0;) {
    final = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: from the next byte boundary (whole bytes already buffered are given back).
      bitBuf = 0;
      pos -= bitCount >> 3;
      bitCount = 0;
      if (pos + 4 > input.length) throw new InflateError('the stream ends early');
      const length = input[pos]! | (input[pos + 1]! << 8);
      if ((length ^ 0xffff) !== (input[pos + 2]! | (input[pos + 3]! << 8)))
        throw new InflateError('a stored block whose length does not match its complement');
      pos += 4;
      const n = Math.min(length, out.length - written);
      if (pos + n > input.length) throw new InflateError('the stream ends early');
      out.set(input.subarray(pos, pos + n), written);
      written += n;
      pos += length;
      if (written === out.length) return written;
      continue;
    }
    if (type === 3) throw new InflateError('a block of the reserved type 3');
    let lit = fixedLit;
    let dist = fixedDist;
    if (type === 2) {
      readDynamicTables(bits, decode);
      lit = litTable;
      dist = distTable;
    }
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        out[written++] = sym;
        if (written === out.length) return written;
      } else if (sym === 256) break;
      else {
        const li = sym - 257;
        if (li >= 29) throw new InflateError('a length code past the table');
        const length = LENGTH_BASE[li]! + bits(LENGTH_EXTRA[li]!);
        const di = decode(dist);
        if (di >= 30) throw new InflateError('a distance code past the table');
        const distance = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
        if (distance > written) throw new InflateError('a distance reaching before the start of the data');
        const end = Math.min(written + length, out.length);
        for (; written < end; written++) out[written] = out[written - distance]!;
        if (written === out.length) return written;
      }
    }
  }
  return written;
}

function readDynamicTables(bits: (n: number) => number, decode: (t: Table) => number): void {
  const nLit = bits(5) + 257;
  const nDist = bits(5) + 1;
  const nClen = bits(4) + 4;
  if (nLit > 286 || nDist > 30) throw new InflateError('too many literal or distance codes');
  lengths.fill(0, 0, 19);
  for (let i = 0; i < nClen; i++) lengths[CLEN_ORDER[i]!] = bits(3);
  build(clenTable, 0, 19);
  // The literal/length and distance code lengths, one run: repeats may cross from one into the other.
  const total = nLit + nDist;
  const at = 19;
  for (let i = 0; i < total;) {
    const sym = decode(clenTable);
    if (sym < 16) {
      lengths[at + i++] = sym;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (sym === 16) {
      if (i === 0) throw new InflateError('a repeat with nothing before it');
      value = lengths[at + i - 1]!;
      repeat = 3 + bits(2);
    } else if (sym === 17) repeat = 3 + bits(3);
    else repeat = 11 + bits(7);
    if (i + repeat > total) throw new InflateError('code lengths past their count');
    lengths.fill(value, at + i, at + i + repeat);
    i += repeat;
  }
  if (lengths[at + 256] === 0) throw new InflateError('no end-of-block code');
  build(litTable, at, nLit);
  build(distTable, at + nLit, nDist);
}
