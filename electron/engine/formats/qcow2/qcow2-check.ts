// Structural check of a qcow2 image, as `qemu-img check` makes it: every L1 and L2 entry (the active state's and
// each snapshot's) in range and aligned, then each host cluster's references counted and compared with its
// refcount: too low is an error (two owners may overwrite each other), too high a leak.
import { isPlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { AddProblem } from '../../ops/check-problems';
import { view } from '../fields';
import { decompressCluster } from './decompress';
import { decodeL2Entry, l1EntryOffset, l2EntrySize } from './entries';
import { findBacking } from './open-qcow2';
import { readQcow2Structure } from './structure';
import type { Qcow2Structure } from './structure';

const LISTED = 100;
/** Host clusters counted at most (16 Mi: a 1 TiB file of 64 KiB clusters); a larger file's refcounts are not compared. */
const MAX_COUNTED_CLUSTERS = 1 << 24;

export async function checkQcow2(file: RandomAccessFile, add: AddProblem): Promise<void> {
  let structure: Qcow2Structure;
  try {
    structure = await readQcow2Structure(file);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', typeof err.details.offset === 'number' ? err.details.offset : null, err.message);
    return;
  }
  if (structure.corrupt)
    add(
      'QCOW2_CORRUPT',
      'error',
      72,
      structure.warnings.find((w) => w.includes('corrupt'))!,
    );
  if (structure.dirty)
    add(
      'QCOW2_DIRTY',
      'warning',
      72,
      structure.warnings.find((w) => w.includes('dirty'))!,
    );
  const counts = new References(file.size, structure.header.clusterSize, add);
  await countReferences(file, structure, counts, add);
  if (counts.enabled) await compareRefcounts(file, structure, counts, add);
  if (structure.backingName) {
    try {
      await findBacking(file.path, structure.backingName);
    } catch (err) {
      if (!isPlatterError(err)) throw err;
      add(err.code, 'error', structure.header.backingFileOffset, err.message);
    }
  }
}

/** References to each host cluster, saturating at 65535. */
class References {
  readonly counts: Uint16Array;
  readonly enabled: boolean;
  private outside = 0;

  constructor(
    private readonly fileSize: number,
    private readonly clusterSize: number,
    private readonly add: AddProblem,
  ) {
    const clusters = Math.ceil(fileSize / clusterSize);
    this.enabled = clusters <= MAX_COUNTED_CLUSTERS;
    this.counts = new Uint16Array(this.enabled ? clusters : 0);
  }

  /** Counts the clusters [offset, offset + length) touch; what lies past the end of the file is a problem. */
  inc(offset: number, length: number, what: string, times = 1): void {
    if (length <= 0) return;
    if (offset + length > Math.ceil(this.fileSize / this.clusterSize) * this.clusterSize) {
      if (this.outside++ < LISTED)
        this.add('QCOW2_PAST_END', 'error', offset, `${what} at ${offset} runs past the end of the file`);
      return;
    }
    if (!this.enabled) return;
    const last = Math.floor((offset + length - 1) / this.clusterSize);
    for (let c = Math.floor(offset / this.clusterSize); c <= last; c++)
      this.counts[c] = Math.min(0xffff, this.counts[c]! + times);
  }
}

/** L1 entries read at most over all the L1 tables (a file of mutated snapshots could name one table thousands of times). */
const MAX_L1_ENTRIES = 1 << 24;
/** Compressed clusters decompressed to check them (as many as a read of a few hundred MiB would). */
const MAX_DECOMPRESSED = 4096;

/**
 * Counts what references each host cluster, as qemu-img check does (each L1 table's L2 tables and their clusters,
 * once per table that names them), walking each distinct L1 and L2 table once with the number of its owners: the
 * work is bounded by the file's size, however many snapshots share the tables.
 */
async function countReferences(
  file: RandomAccessFile,
  s: Qcow2Structure,
  refs: References,
  add: AddProblem,
): Promise<void> {
  const h = s.header;
  refs.inc(0, h.clusterSize, 'the header');
  refs.inc(h.refcountTableOffset, h.refcountTableClusters * h.clusterSize, 'the refcount table');
  refs.inc(h.snapshotsOffset, s.snapshotTableBytes, 'the snapshot table');
  let bad = 0;
  const problem = (code: string, offset: number | null, message: string) => {
    if (bad++ < LISTED) add(code, 'error', offset, message);
  };
  // Each distinct L1 table, and how many states (the active one, the snapshots) use it.
  const l1Tables = new Map<string, { offset: number; size: number; name: string; owners: number }>();
  for (const [offset, size, name] of [
    [h.l1TableOffset, h.l1Size, 'the active state'] as const,
    ...s.snapshots.map((snap) => [snap.l1TableOffset, snap.l1Size, `snapshot ${snap.id}`] as const),
  ]) {
    const key = `${offset}:${size}`;
    const known = l1Tables.get(key);
    if (known) known.owners++;
    else l1Tables.set(key, { offset, size, name, owners: 1 });
  }
  const l2Tables = new Map<number, { owners: number; name: string }>();
  let l1Entries = 0;
  for (const t of l1Tables.values()) {
    refs.inc(t.offset, t.size * 8, `the L1 table of ${t.name}`, t.owners);
    if ((l1Entries += t.size) > MAX_L1_ENTRIES) {
      add(
        'QCOW2_NOT_CHECKED',
        'warning',
        null,
        'the snapshots name more L1 entries than are checked; some L2 tables were not followed',
      );
      break;
    }
    const l1 = view(await file.readAt(t.offset, t.size * 8));
    for (let i = 0; i < t.size; i++) {
      try {
        const l2 = l1EntryOffset(l1, i, h, file.size);
        if (l2 === 0) continue;
        const known = l2Tables.get(l2);
        if (known) known.owners += t.owners;
        else l2Tables.set(l2, { owners: t.owners, name: t.name });
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        problem('QCOW2_BAD_TABLE', t.offset + i * 8, `${t.name}: ${err.message}`);
      }
    }
  }
  const entrySize = l2EntrySize(h);
  const perTable = h.clusterSize / entrySize;
  const decompressed = new Set<number>();
  const scratch = { input: new Uint8Array(2 * h.clusterSize), output: new Uint8Array(h.clusterSize) };
  for (const [l2, { owners, name }] of l2Tables) {
    refs.inc(l2, h.clusterSize, `an L2 table of ${name}`, owners);
    const table = view(await file.readAt(l2, h.clusterSize));
    for (let e = 0; e < perTable; e++) {
      try {
        const m = decodeL2Entry(table, e, h, file.size, e);
        if (m.kind === 'compressed') {
          refs.inc(m.offset, m.size, `compressed data of ${name}`, owners);
          if (decompressed.size < MAX_DECOMPRESSED && !decompressed.has(m.offset)) {
            decompressed.add(m.offset);
            const input = scratch.input.subarray(0, m.size);
            await file.read(input, m.offset);
            decompressCluster(h.compressionType, input, scratch.output, e);
          }
        } else if (m.kind !== 'beneath' && m.offset !== 0)
          refs.inc(m.offset, h.clusterSize, `a cluster of ${name}`, owners);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        problem(err.code, l2 + e * entrySize, `${name}, L2 table at ${l2}: ${err.message}`);
      }
    }
  }
}

/** Reads refcount `index` of a refcount block of 2^order-bit entries. */
function refcountAt(block: DataView, index: number, order: number): number {
  const bits = 2 ** order;
  if (bits < 8) return (block.getUint8(Math.floor((index * bits) / 8)) >> ((index * bits) % 8)) & ((1 << bits) - 1);
  if (bits === 8) return block.getUint8(index);
  if (bits === 16) return block.getUint16(index * 2);
  if (bits === 32) return block.getUint32(index * 4);
  const big = block.getBigUint64(index * 8);
  return big > 0xffffn ? 0xffff : Number(big);
}

async function compareRefcounts(
  file: RandomAccessFile,
  s: Qcow2Structure,
  refs: References,
  add: AddProblem,
): Promise<void> {
  const h = s.header;
  const perBlock = (h.clusterSize * 8) / 2 ** h.refcountOrder;
  const table = view(await file.readAt(h.refcountTableOffset, h.refcountTableClusters * h.clusterSize));
  const clusters = refs.counts.length;
  const blocks: (DataView | null)[] = [];
  for (let b = 0; b * perBlock < clusters && b < table.byteLength / 8; b++) {
    const hi = table.getUint32(b * 8);
    const lo = table.getUint32(b * 8 + 4);
    const offset = hi * 2 ** 32 + lo;
    if (offset === 0) blocks.push(null);
    else if (offset % h.clusterSize !== 0 || offset + h.clusterSize > file.size || hi > 0x00ffffff) {
      add(
        'QCOW2_BAD_TABLE',
        'error',
        h.refcountTableOffset + b * 8,
        `refcount table entry ${b} points at ${offset}, misaligned or past the end of the file`,
      );
      blocks.push(null);
    } else {
      refs.inc(offset, h.clusterSize, 'a refcount block');
      blocks.push(view(await file.readAt(offset, h.clusterSize)));
    }
  }
  // Bitmaps own clusters this check does not follow: it cannot tell their clusters from leaks.
  const bitmaps = (h.autoclearFeatures & 1n) !== 0n;
  let low = 0;
  let leaked = 0;
  for (let c = 0; c < clusters; c++) {
    const block = blocks[Math.floor(c / perBlock)] ?? null;
    const stored = block ? refcountAt(block, c % perBlock, h.refcountOrder) : 0;
    const used = refs.counts[c]!;
    if (stored < used) {
      if (low++ < LISTED) {
        const why = used > 1 && stored <= 1 && s.snapshots.length === 0 ? ' (two structures share it)' : '';
        add(
          'QCOW2_REFCOUNT',
          'error',
          c * h.clusterSize,
          `host cluster ${c} is referenced ${used} times but its refcount is ${stored}${why}`,
        );
      }
    } else if (stored > used && !bitmaps) leaked++;
  }
  if (low > LISTED) add('QCOW2_REFCOUNT', 'error', null, `${low - LISTED} more clusters have refcounts too low`);
  if (leaked > 0)
    add(
      'QCOW2_LEAK',
      'warning',
      null,
      `${leaked} host cluster${leaked === 1 ? ' is' : 's are'} counted as used but referenced by nothing (space lost, no data at risk; \`qemu-img check -r leaks\` frees them)`,
    );
}
