// Mutations aimed at a qcow2 image's structures: header fields and extensions, L1 and L2 entries (pointed at other
// clusters, misaligned, past the end, made compressed or zero), refcount table and block entries, compressed
// clusters' data and size fields, snapshot table entries, and the file length.
import type { Mutable } from './mutation';
import { interestingU32, interestingU64 } from './mutation';
import type { Rng } from './rng';

export interface Qcow2Shape {
  readonly clusterSize: number;
  readonly clusterBits: number;
  readonly l1Offset: number;
  readonly l1Size: number;
  /** Offsets of the L2 tables the active L1 names. */
  readonly l2Tables: readonly number[];
  readonly refcountTable: number;
  readonly refcountBlocks: readonly number[];
  /** File offsets of L2 entries that describe compressed clusters, and where their data starts. */
  readonly compressed: readonly { readonly entry: number; readonly data: number }[];
  readonly snapshotsOffset: number;
  readonly headerLength: number;
}

const OFFSET_MASK = 0x00fffffffffffe00n;

/** Reads the shape from the pristine bytes (Platter's reader is not trusted here: this is its input). */
export function qcow2Shape(b: Buffer): Qcow2Shape | null {
  if (b.length < 112 || b.toString('latin1', 0, 4) !== 'QFI\xfb') return null;
  const clusterBits = b.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) return null;
  const clusterSize = 2 ** clusterBits;
  const inFile = (offset: number, length: number) => offset > 0 && offset + length <= b.length;
  const l1Offset = Number(b.readBigUInt64BE(40));
  const l1Size = b.readUInt32BE(36);
  const extended = b.readUInt32BE(4) === 3 && (b.readBigUInt64BE(72) & 16n) !== 0n;
  const entrySize = extended ? 16 : 8;
  const l2Tables: number[] = [];
  const compressed: { entry: number; data: number }[] = [];
  if (inFile(l1Offset, l1Size * 8)) {
    for (let i = 0; i < l1Size; i++) {
      const l2 = Number(b.readBigUInt64BE(l1Offset + i * 8) & OFFSET_MASK);
      if (!inFile(l2, clusterSize)) continue;
      l2Tables.push(l2);
      const x = BigInt(62 - (clusterBits - 8));
      for (let e = 0; e < clusterSize / entrySize && compressed.length < 256; e++) {
        const word = b.readBigUInt64BE(l2 + e * entrySize);
        if (word & (1n << 62n)) compressed.push({ entry: l2 + e * entrySize, data: Number(word & ((1n << x) - 1n)) });
      }
    }
  }
  const refcountTable = Number(b.readBigUInt64BE(48));
  const refcountBlocks: number[] = [];
  if (inFile(refcountTable, 8))
    for (let i = 0; i < Math.min(64, b.readUInt32BE(56) * (clusterSize / 8)); i++) {
      if (refcountTable + i * 8 + 8 > b.length) break;
      const block = Number(b.readBigUInt64BE(refcountTable + i * 8) & OFFSET_MASK);
      if (inFile(block, clusterSize)) refcountBlocks.push(block);
    }
  return {
    clusterSize,
    clusterBits,
    l1Offset,
    l1Size,
    l2Tables,
    refcountTable,
    refcountBlocks,
    compressed,
    snapshotsOffset: b.readUInt32BE(60) > 0 ? Number(b.readBigUInt64BE(64)) : 0,
    headerLength: b.readUInt32BE(4) === 3 ? b.readUInt32BE(100) : 72,
  };
}

type Qcow2Mutator = (m: Mutable, rng: Rng, shape: Qcow2Shape) => void;

/** A host offset worth pointing an entry at: another structure, a misaligned or far one, the end of the file. */
function target(m: Mutable, rng: Rng, s: Qcow2Shape): bigint {
  return rng.pick([
    0n,
    BigInt(s.clusterSize),
    BigInt(s.l1Offset),
    BigInt(s.refcountTable),
    BigInt(rng.pick([...s.l2Tables, 0])),
    BigInt(rng.pick([...s.refcountBlocks, 0])),
    BigInt(Math.floor(m.size / s.clusterSize) * s.clusterSize),
    BigInt(rng.int(m.size)) & ~511n,
    BigInt(rng.int(m.size)),
    2n ** 55n - 512n,
  ]);
}

const mutators: Record<string, Qcow2Mutator> = {
  header(m, rng) {
    const v32 = interestingU32(rng, [9, 12, 16, 21, 22, 64, 104, 112]);
    const v64 = interestingU64(rng, m.size);
    switch (rng.int(16)) {
      case 0:
        return m.u32(4, rng.pick([1, 2, 3, 4, v32]), 'version');
      case 1:
        return m.u64(8, v64, 'backing file offset');
      case 2:
        return m.u32(16, v32, 'backing file size');
      case 3:
        return m.u32(20, rng.pick([8, 9, 12, 16, 21, 22, v32]), 'cluster bits');
      case 4:
        return m.u64(24, rng.pick([v64, 2n ** 40n, 2n ** 50n]), 'size');
      case 5:
        return m.u32(32, rng.pick([0, 1, 2, v32]), 'crypt method');
      case 6:
        return m.u32(36, v32, 'l1 size');
      case 7:
        return m.u64(40, v64, 'l1 offset');
      case 8:
        return m.u64(48, v64, 'refcount table offset');
      case 9:
        return m.u32(56, v32, 'refcount table clusters');
      case 10:
        return m.u32(60, v32, 'snapshot count');
      case 11:
        return m.u64(64, v64, 'snapshots offset');
      case 12:
        return m.u64(72, rng.pick([1n, 2n, 4n, 8n, 16n, 1n << BigInt(rng.int(64)), v64]), 'incompatible features');
      case 13:
        return m.u32(96, rng.pick([0, 3, 4, 6, 7, v32]), 'refcount order');
      case 14:
        return m.u32(100, v32, 'header length');
      default:
        return m.put(104, Uint8Array.of(rng.pick([0, 1, 2, 255])), 'compression type');
    }
  },
  extension(m, rng, s) {
    const at = s.headerLength + 8 * rng.int(4);
    m.u32(at, rng.pick([0xe2792aca, 0x6803f857, 0x44415441, 0x0537be77, 0x23852875, rng.int(2 ** 32)]), 'ext type');
    m.u32(at + 4, interestingU32(rng, [8, 48, 1000, s.clusterSize]), 'ext length');
  },
  l1(m, rng, s) {
    if (s.l1Size === 0) return mutators.header!(m, rng, s);
    const index = rng.int(s.l1Size);
    const copied = rng.chance(0.5) ? 1n << 63n : 0n;
    m.u64(s.l1Offset + index * 8, copied | target(m, rng, s) | (rng.chance(0.1) ? 1n : 0n), `l1[${index}]`);
  },
  l2(m, rng, s) {
    if (s.l2Tables.length === 0) return mutators.l1!(m, rng, s);
    const table = rng.pick(s.l2Tables);
    for (let n = rng.range(1, 4); n > 0; n--) {
      const at = table + 8 * rng.int(s.clusterSize / 8);
      const flags = rng.pick([0n, 1n << 63n, 1n << 62n, 1n, (1n << 62n) | (BigInt(rng.int(64)) << 54n)]);
      m.u64(at, flags | target(m, rng, s), `l2 entry @${at}`);
    }
  },
  refcount(m, rng, s) {
    if (rng.chance(0.4) || s.refcountBlocks.length === 0)
      return m.u64(s.refcountTable + 8 * rng.int(4), target(m, rng, s), 'refcount table entry');
    const block = rng.pick(s.refcountBlocks);
    m.put(block + 2 * rng.int(s.clusterSize / 2), rng.bytes(2), 'refcount');
  },
  compressed(m, rng, s) {
    if (s.compressed.length === 0) return mutators.l2!(m, rng, s);
    const c = rng.pick(s.compressed);
    const x = BigInt(62 - (s.clusterBits - 8));
    switch (rng.int(4)) {
      case 0:
        return m.flip(c.data + rng.int(64), rng, 'compressed data');
      case 1:
        return m.put(c.data, rng.bytes(rng.range(1, 32)), 'compressed data');
      case 2: {
        const sectors = BigInt(rng.int(2 ** (s.clusterBits - 8)));
        return m.u64(c.entry, (1n << 62n) | (sectors << x) | BigInt(c.data), 'compressed size');
      }
      default:
        // A zstd frame header asking for a large window.
        return m.put(c.data, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, rng.int(256), rng.int(256)), 'zstd header');
    }
  },
  snapshot(m, rng, s) {
    if (s.snapshotsOffset === 0) return mutators.header!(m, rng, s);
    const at = s.snapshotsOffset;
    switch (rng.int(5)) {
      case 0:
        return m.u64(at, target(m, rng, s), 'snapshot l1 offset');
      case 1:
        return m.u32(at + 8, interestingU32(rng), 'snapshot l1 size');
      case 2:
        return m.put(at + 12, rng.bytes(4), 'snapshot id and name sizes');
      case 3:
        return m.u32(at + 36, interestingU32(rng, [16, 24, 1024, 1025]), 'snapshot extra size');
      default:
        return m.flip(at + rng.int(64), rng, 'snapshot entry');
    }
  },
  truncate(m, rng, s) {
    const size = m.size;
    m.truncate(rng.pick([0, 8, 100, s.clusterSize, s.l1Offset, size - 1, size - s.clusterSize, rng.int(size)]));
  },
  garbage(m, rng) {
    m.put(rng.int(m.size), rng.bytes(rng.range(1, 64)), 'garbage');
  },
};

export const QCOW2_MUTATORS = Object.keys(mutators);

export function mutateQcow2(m: Mutable, rng: Rng, shape: Qcow2Shape | null, kind = rng.pick(QCOW2_MUTATORS)): void {
  if (!shape) {
    if (m.size > 0) mutators.garbage!(m, rng, {} as Qcow2Shape);
    return;
  }
  mutators[kind]!(m, rng, shape);
}
