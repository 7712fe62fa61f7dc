// `check` for a VMDK: the descriptor, each extent against its file, each sparse extent's grain directory and
// tables (entries in range, grains clear of the metadata and of each other, the redundant copy the same), the
// compressed grains' markers, and a delta link's parent and CID.
import { isPlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { AddProblem } from '../../ops/check-problems';
import { FlatExtent } from './extent-reader';
import { FLAG_MARKERS, FLAG_ZEROED_GRAIN_GTE, SECTOR } from './sparse-header';
import { SparseExtent } from './sparse-extent';
import { findVmdkParent, hasParent, readVmdkCid } from './vmdk-image';
import { readVmdkStructure } from './vmdk-structure';
import type { VmdkStructure } from './vmdk-structure';

/** Past this many grains, grains are not checked against each other (the list would take too much memory). */
const MAX_TRACKED_GRAINS = 1 << 22;

const CREATE_TYPES = new Set(
  [
    'monolithicSparse',
    'monolithicFlat',
    'twoGbMaxExtentSparse',
    'twoGbMaxExtentFlat',
    'streamOptimized',
    'vmfs',
    'vmfsSparse',
    'vmfsThin',
    'vmfsPreallocated',
    'vmfsEagerZeroedThick',
    'vmfsRaw',
    'vmfsRDM',
    'vmfsPassthroughRawDeviceMap',
    'fullDevice',
    'partitionedDevice',
    'custom',
  ].map((t) => t.toLowerCase()),
);

function checkDescriptor(s: VmdkStructure, add: AddProblem): void {
  const d = s.descriptor;
  const where = s.descriptorPath;
  if (d.cid === null) add('VMDK_DESCRIPTOR_NO_CID', 'warning', null, `the descriptor of ${where} has no valid CID`);
  if (!CREATE_TYPES.has(d.createType.toLowerCase()))
    add(
      'VMDK_DESCRIPTOR_CREATE_TYPE',
      'warning',
      null,
      `the descriptor of ${where} has an unknown createType "${d.createType}"`,
    );
  for (const line of d.unknownLines)
    add('VMDK_DESCRIPTOR_LINE', 'warning', null, `the descriptor of ${where} has a line that means nothing: ${line}`);
  const sparseType = /sparse|streamoptimized/i.test(d.createType);
  const flatOnes = d.extents.filter((e) => e.type === 'FLAT' || e.type === 'VMFS').length;
  if (sparseType && flatOnes > 0)
    add('VMDK_DESCRIPTOR_EXTENTS', 'warning', null, `${where} is ${d.createType} but lists ${flatOnes} flat extent(s)`);
}

/** An extent's metadata as sorted [start, end) sector ranges, and the furthest end up to each, to test grains. */
interface Ranges {
  readonly starts: readonly number[];
  readonly reach: readonly number[];
}

async function metadataRanges(e: SparseExtent): Promise<Ranges> {
  const h = e.header;
  const tableSectors = (entries: number) => Math.ceil((entries * 4) / SECTOR);
  const ranges: [number, number][] = [[0, 1]];
  if (h.descriptorOffset > 0) ranges.push([h.descriptorOffset, h.descriptorOffset + h.descriptorSectors]);
  const directories = [h.gdOffset ?? 0, h.rgdOffset].filter((o) => o > 0);
  for (const gd of directories) {
    ranges.push([gd, gd + tableSectors(h.gdEntries)]);
    const copy = gd === h.gdOffset ? e : await SparseExtent.open(e.file, h, e.bytes, gd).catch(() => null);
    for (const gt of copy?.gd ?? []) if (gt > 0) ranges.push([gt, gt + tableSectors(h.gtesPerGt)]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let furthest = 0;
  return { starts: ranges.map((r) => r[0]), reach: ranges.map((r) => (furthest = Math.max(furthest, r[1]))) };
}

function overlaps(r: Ranges, start: number, end: number): boolean {
  let lo = 0;
  let hi = r.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r.starts[mid]! < end) lo = mid + 1;
    else hi = mid;
  }
  // Of the ranges starting before `end`, one overlaps when the furthest of them reaches past `start`.
  return lo > 0 && r.reach[lo - 1]! > start;
}

async function checkSparse(e: SparseExtent, add: AddProblem): Promise<void> {
  const h = e.header;
  const path = e.path;
  if (h.uncleanShutdown) add('VMDK_UNCLEAN_SHUTDOWN', 'warning', 72, `${path} was not closed cleanly`);
  if (h.capacity * SECTOR !== e.bytes)
    add(
      'VMDK_CAPACITY_MISMATCH',
      'warning',
      12,
      `${path} holds ${h.capacity * SECTOR} bytes, its descriptor says ${e.bytes}`,
    );
  const ranges = await metadataRanges(e);
  const grains: number[] = [];
  const grainSectors = h.grainSectors;
  const total = Math.ceil(Math.min(e.bytes, e.capacityBytes) / e.grainBytes);
  const gdAt = (h.gdOffset ?? 0) * SECTOR;
  for (let t = 0; t < e.gd.length; t++) {
    let gt: Uint32Array | null;
    try {
      gt = await e.table(t);
    } catch (err) {
      if (!isPlatterError(err)) throw err;
      add('VMDK_GT_OUT_OF_RANGE', 'error', gdAt + t * 4, err.message);
      continue;
    }
    if (!gt) continue;
    for (let i = 0; i < gt.length && t * h.gtesPerGt + i < total; i++) {
      const sector = gt[i]!;
      if (sector === 0 || (sector === 1 && h.flags & FLAG_ZEROED_GRAIN_GTE)) continue;
      const grain = t * h.gtesPerGt + i;
      const at = e.gd[t]! * SECTOR + i * 4;
      let length = grainSectors;
      if (e.compressed) {
        try {
          const m = await e.marker(sector);
          length = Math.ceil((m.size + 12) / SECTOR);
          await e.verifyGrain(grain, sector);
          if (m.lba !== grain * grainSectors)
            add('VMDK_BAD_GRAIN', 'error', sector * SECTOR, `${path}: grain ${grain}'s marker says sector ${m.lba}`);
        } catch (err) {
          if (!isPlatterError(err)) throw err;
          add(err.code, 'error', at, err.message);
          continue;
        }
      } else if (sector * SECTOR + Math.min(e.grainBytes, e.capacityBytes - grain * e.grainBytes) > e.file.size) {
        add(
          'VMDK_GT_OUT_OF_RANGE',
          'error',
          at,
          `${path}: grain ${grain} is at sector ${sector}, past the end of the file`,
        );
        continue;
      }
      if (overlaps(ranges, sector, sector + length))
        add(
          'VMDK_GRAIN_OVERLAP',
          'error',
          at,
          `${path}: grain ${grain} at sector ${sector} lies on the extent's metadata`,
        );
      if (grains.length < MAX_TRACKED_GRAINS * 2) grains.push(sector, length);
    }
  }
  sharedGrains(grains, path, add);
  if (h.rgdOffset > 0) await compareRedundant(e, add);
  if (h.kind === 'KDMV' && h.flags & FLAG_MARKERS) await checkStreamEnd(e, add);
}

/** Two grain table entries pointing at one grain (or grains overlapping) would make writes to one show in the other. */
function sharedGrains(flat: number[], path: string, add: AddProblem): void {
  const order = Array.from({ length: flat.length / 2 }, (_, i) => i).sort((a, b) => flat[a * 2]! - flat[b * 2]!);
  for (let k = 1; k < order.length; k++) {
    const [prev, cur] = [order[k - 1]! * 2, order[k]! * 2];
    if (flat[prev]! + flat[prev + 1]! > flat[cur]!) {
      add('VMDK_GRAIN_OVERLAP', 'error', flat[cur]! * SECTOR, `${path}: two grains share sector ${flat[cur]}`);
      return;
    }
  }
}

/** A stream-optimized extent ends with its end-of-stream marker: a zero sector count, size and type. */
async function checkStreamEnd(e: SparseExtent, add: AddProblem): Promise<void> {
  const size = e.file.size;
  const last = size >= SECTOR && size % SECTOR === 0 ? await e.file.readAt(size - SECTOR, SECTOR) : null;
  if (!last || last.some((b) => b !== 0))
    add('VMDK_STREAM_CUT', 'error', size, `${e.path} does not end with an end-of-stream marker: it was cut short`);
}

async function compareRedundant(e: SparseExtent, add: AddProblem): Promise<void> {
  const h = e.header;
  let copy: SparseExtent;
  try {
    copy = await SparseExtent.open(e.file, h, e.bytes, h.rgdOffset);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    return void add('VMDK_RGD_OUT_OF_RANGE', 'error', 48, `the redundant grain directory: ${err.message}`);
  }
  for (let t = 0; t < e.gd.length; t++) {
    const [a, b] = await Promise.all([e.table(t).catch(() => null), copy.table(t).catch(() => null)]);
    const same = (a === null && b === null) || (a !== null && b !== null && a.every((v, i) => v === b[i]));
    if (!same) {
      const message = `${e.path}: grain table ${t} differs from its redundant copy`;
      return void add('VMDK_RGD_MISMATCH', 'error', h.rgdOffset * SECTOR + t * 4, message);
    }
  }
}

export async function checkVmdk(file: RandomAccessFile, add: AddProblem): Promise<void> {
  let s: VmdkStructure;
  try {
    s = await readVmdkStructure(file);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    return void add(err.code, 'error', err.details.offset ?? null, err.message);
  }
  try {
    checkDescriptor(s, add);
    for (const { reader, path } of s.extents) {
      if (reader instanceof SparseExtent) await checkSparse(reader, add);
      if (reader instanceof FlatExtent && reader.start + reader.bytes > reader.file.size)
        add(
          'VMDK_EXTENT_SHORT',
          'error',
          null,
          `the flat extent ${path} is shorter than the ${reader.bytes} bytes its descriptor gives it`,
        );
    }
    if (hasParent(s)) {
      try {
        const parent = await findVmdkParent(s);
        const cid = await readVmdkCid(parent);
        if (cid !== s.descriptor.parentCid)
          add(
            'VMDK_PARENT_CID_MISMATCH',
            'error',
            null,
            `the parent ${parent} has CID ${cid ?? '(none)'}, not ${s.descriptor.parentCid}`,
          );
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        add(err.code, 'error', null, err.message);
      }
    }
  } finally {
    await s.close();
  }
}
