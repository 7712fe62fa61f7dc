// L1 and L2 table entries: 64-bit big-endian words (L2 entries of an image with extended L2 entries are followed by
// a 64-bit subcluster bitmap). Decoded from two 32-bit halves: bits 9-55 hold a cluster offset, and a Number holds
// it exactly; only compressed descriptors, whose offset can reach bit 61, go through BigInt.
import { PlatterError } from '../../errors';
import { DAMAGED } from './header';
import type { Qcow2Header } from './header';

const TWO_32 = 2 ** 32;
/** Subclusters of a cluster with extended L2 entries. */
export const SUBCLUSTERS = 32;

export type ClusterMapping =
  | { readonly kind: 'beneath' }
  /** `offset`: a preallocated zero cluster's host cluster (0 for none). */
  | { readonly kind: 'zero'; readonly offset: number }
  | { readonly kind: 'data'; readonly offset: number }
  | { readonly kind: 'compressed'; readonly offset: number; readonly size: number }
  /** Extended L2: per subcluster, allocated at offset + i * size (bit i of `allocated`), zero (bit i of `zero`), or beneath. */
  | { readonly kind: 'subclusters'; readonly offset: number; readonly allocated: number; readonly zero: number };

export function badTable(message: string): PlatterError {
  return new PlatterError('QCOW2_BAD_TABLE', message, DAMAGED);
}

/** The offset bits (9-55) of an L1 or standard L2 entry. */
function offsetBits(hi: number, lo: number): number {
  return (hi & 0x00ffffff) * TWO_32 + ((lo & 0xfffffe00) >>> 0);
}

/** The L2 table an L1 entry points at, 0 for none; checked aligned and inside the file. */
export function l1EntryOffset(dv: DataView, index: number, header: Qcow2Header, fileSize: number): number {
  const offset = offsetBits(dv.getUint32(index * 8), dv.getUint32(index * 8 + 4));
  if (offset === 0) return 0;
  if (offset % header.clusterSize !== 0 || offset + header.clusterSize > fileSize)
    throw badTable(
      `its L1 entry ${index} points at ${offset}, misaligned or past the end of the file (${fileSize} bytes)`,
    );
  return offset;
}

/** Bytes of an L2 entry: 8, or 16 with extended L2 entries. */
export function l2EntrySize(header: Qcow2Header): number {
  return header.extendedL2 ? 16 : 8;
}

/** Decodes entry `index` of the L2 table `table` (which describes guest cluster `cluster`). */
export function decodeL2Entry(
  table: DataView,
  index: number,
  header: Qcow2Header,
  fileSize: number,
  cluster: number,
): ClusterMapping {
  const at = index * l2EntrySize(header);
  const hi = table.getUint32(at);
  const lo = table.getUint32(at + 4);
  if (hi & 0x40000000) return compressed(hi, lo, header, fileSize, cluster);
  const offset = offsetBits(hi, lo);
  if (offset !== 0 && (offset % header.clusterSize !== 0 || offset >= fileSize))
    throw badTable(
      `the L2 entry of guest cluster ${cluster} points at ${offset}, misaligned or past the end of the file (${fileSize} bytes)`,
    );
  if (header.extendedL2) {
    const zero = table.getUint32(at + 8) >>> 0;
    const allocated = table.getUint32(at + 12) >>> 0;
    if ((zero & allocated) !== 0 || (offset === 0 && allocated !== 0))
      throw badTable(
        `the subcluster bitmap of guest cluster ${cluster} marks subclusters both zero and allocated, or allocated with no cluster`,
      );
    return { kind: 'subclusters', offset, allocated, zero };
  }
  // Version 2 has no zero flag (bit 0 is reserved there).
  if (header.version === 3 && (lo & 1) === 1) return { kind: 'zero', offset };
  return offset === 0 ? { kind: 'beneath' } : { kind: 'data', offset };
}

/** A compressed cluster's descriptor: its offset in the low x bits, then the count of further 512-byte sectors. */
function compressed(hi: number, lo: number, header: Qcow2Header, fileSize: number, cluster: number): ClusterMapping {
  const x = BigInt(62 - (header.clusterBits - 8));
  const word = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const offset = Number(word & ((1n << x) - 1n));
  const sectors = Number((word >> x) & ((1n << BigInt(header.clusterBits - 8)) - 1n)) + 1;
  if (offset >= fileSize)
    throw badTable(
      `the compressed guest cluster ${cluster} starts at ${offset}, past the end of the file (${fileSize} bytes)`,
    );
  // The data runs to the end of its last sector; the file may end sooner (its last cluster is not padded).
  const size = Math.min(sectors * 512 - (offset % 512), fileSize - offset);
  return { kind: 'compressed', offset, size };
}
