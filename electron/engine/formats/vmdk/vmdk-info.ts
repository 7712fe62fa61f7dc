// `info` for a VMDK: its descriptor (createType, CIDs, disk database), its extents and their headers, and which
// grains each sparse extent holds (never the data).
import { stat } from 'node:fs/promises';
import { isPlatterError } from '../../errors';
import type { PlatterError } from '../../errors';
import type { OtherUse } from '../../io/image-lock';
import { otherUseWarning } from '../../io/image-lock';
import { RandomAccessFile } from '../../io/random-access-file';
import type { DiskType } from '../vhd/footer';
import type { Run } from './extent-reader';
import { FLAG_COMPRESSED } from './sparse-header';
import { SparseExtent } from './sparse-extent';
import { VmdkImage, findVmdkParent, hasParent, readVmdkCid } from './vmdk-image';
import { readVmdkStructure } from './vmdk-structure';
import type { VmdkStructure } from './vmdk-structure';
import type { Geometry, VmdkDetails, VmdkExtentDetails } from '../../../../shared/image';

/** More blocks than this and a block of the map is a whole grain table's span, not one grain. */
const MAX_MAP_BLOCKS = 1 << 21;

/** One extent the descriptor lists (the Image view's type: shared/image.ts). */
export type VmdkExtentInfo = VmdkExtentDetails;

export interface VmdkInfo {
  readonly path: string;
  readonly format: 'vmdk';
  readonly createType: string;
  readonly diskType: DiskType;
  readonly virtualSize: number;
  /** Bytes of every file of the disk (descriptor and extents). */
  readonly fileSize: number;
  readonly descriptorPath: string;
  readonly descriptorEmbedded: boolean;
  /** Read from inside an OVA: the member read (the OVA's first disk) and every disk it holds. */
  readonly ova: VmdkDetails['ova'];
  readonly cid: string | null;
  readonly parentCid: string;
  readonly adapterType: string | null;
  readonly geometry: Geometry | null;
  readonly hwVersion: string | null;
  readonly extents: readonly VmdkExtentInfo[];
  /** The first sparse extent's grain size; null when every extent is flat. */
  readonly grainSize: number | null;
  /** The allocation map's block: one grain, or a grain table's span for a very large disk. */
  readonly blockSize: number | null;
  readonly allocatedBlocks: number;
  readonly totalBlocks: number;
  readonly allocatedBytes: number;
  readonly parent: {
    readonly cid: string;
    readonly fileNameHint: string | null;
    readonly resolvedPath: string | null;
    /** The CID the parent has now, when found; differing from `cid` means it changed after the snapshot. */
    readonly actualCid: string | null;
  } | null;
  readonly inUse: OtherUse;
  readonly warnings: readonly string[];
}

export type BlockStates = ('allocated' | 'zero' | 'parent')[];

export interface VmdkRead {
  readonly info: VmdkInfo;
  readonly states: BlockStates | null;
  readonly parentError: PlatterError | null;
}

function geometryOf(ddb: Readonly<Record<string, string>>): VmdkInfo['geometry'] {
  const [c, h, s] = ['geometry.cylinders', 'geometry.heads', 'geometry.sectors'].map((k) => Number(ddb[k]));
  return Number.isInteger(c) && Number.isInteger(h) && Number.isInteger(s)
    ? { cylinders: c!, heads: h!, sectorsPerTrack: s! }
    : null;
}

function extentInfo(s: VmdkStructure): VmdkExtentInfo[] {
  return s.extents.map(({ line, path, reader }) => ({
    access: line.access,
    type: line.type,
    sectors: line.sectors,
    file: path,
    fileOffset: line.type === 'FLAT' || line.type === 'VMFS' ? line.offset * 512 : 0,
    sparse:
      reader instanceof SparseExtent
        ? {
            header: reader.header.kind,
            version: reader.header.version,
            grainSize: reader.grainBytes,
            compressed: (reader.header.flags & FLAG_COMPRESSED) !== 0,
            capacity: reader.header.capacity * 512,
          }
        : null,
  }));
}

/** Each block's state from the file's own runs: held when any byte of it is, else beneath or zeros. */
export function blockStatesOf(runs: readonly Run[], blockSize: number, size: number, parent: boolean): BlockStates {
  const count = Math.ceil(size / blockSize);
  const flags = new Uint8Array(count);
  for (const r of runs) {
    const bit = r.kind === 'data' ? 1 : r.kind === 'beneath' ? 2 : 4;
    const last = Math.floor((r.offset + r.length - 1) / blockSize);
    for (let b = Math.floor(r.offset / blockSize); b <= last; b++) flags[b]! |= bit;
  }
  return Array.from(flags, (f) => (f & 1 ? 'allocated' : f & 2 && parent ? 'parent' : 'zero'));
}

async function totalFileSize(s: VmdkStructure, opened: RandomAccessFile): Promise<number> {
  if (s.ova) return opened.size;
  const paths = new Set([s.descriptorPath, ...s.extents.flatMap((e) => (e.path ? [e.path] : []))]);
  let total = 0;
  for (const p of paths) total += (await stat(p)).size;
  return total;
}

export async function readVmdkInfo(path: string): Promise<VmdkRead> {
  const file = await RandomAccessFile.open(path);
  const s = await readVmdkStructure(file).catch(async (err: unknown) => {
    await file.close();
    throw err;
  });
  try {
    const d = s.descriptor;
    const inUse = file.otherUse();
    const warnings = [otherUseWarning(inUse)].filter((w) => w !== null);
    let parent: VmdkInfo['parent'] = null;
    let parentError: PlatterError | null = null;
    if (hasParent(s)) {
      let resolvedPath: string | null = null;
      let actualCid: string | null = null;
      try {
        resolvedPath = await findVmdkParent(s);
        actualCid = await readVmdkCid(resolvedPath);
        if (actualCid !== d.parentCid)
          warnings.push(
            `the parent ${resolvedPath} has CID ${actualCid ?? '(none)'}, not the ${d.parentCid} this delta link was made against: it was changed after the snapshot was taken, and the disk may read inconsistently`,
          );
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        parentError = err;
        warnings.push(err.message);
      }
      parent = { cid: d.parentCid, fileNameHint: d.parentFileNameHint, resolvedPath, actualCid };
    }
    const sparse = s.extents.map((e) => e.reader).filter((r) => r instanceof SparseExtent);
    const first = sparse[0];
    const diskType: DiskType = parent ? 'differencing' : first ? 'dynamic' : 'fixed';
    const runs = await new VmdkImage(path, s, null).ownRuns();
    const allocatedBytes = runs.reduce((n, r) => (r.kind === 'data' ? n + r.length : n), 0);
    let blockSize: number | null = null;
    let states: BlockStates | null = null;
    if (first) {
      blockSize = first.grainBytes;
      // Too many grains for the map: a block spans a grain table's grains, or more, until the map fits.
      if (s.virtualSize / blockSize > MAX_MAP_BLOCKS) blockSize *= first.header.gtesPerGt;
      while (s.virtualSize / blockSize > MAX_MAP_BLOCKS) blockSize *= 2;
      states = blockStatesOf(runs, blockSize, s.virtualSize, parent !== null);
    }
    const info: VmdkInfo = {
      path,
      format: 'vmdk',
      createType: d.createType,
      diskType,
      virtualSize: s.virtualSize,
      fileSize: await totalFileSize(s, file),
      ova: s.ova,
      descriptorPath: s.descriptorPath,
      descriptorEmbedded: s.embedded,
      cid: d.cid,
      parentCid: d.parentCid,
      adapterType: d.ddb.adapterType ?? null,
      geometry: geometryOf(d.ddb),
      hwVersion: d.ddb.virtualHWVersion ?? null,
      extents: extentInfo(s),
      grainSize: first?.grainBytes ?? null,
      blockSize,
      allocatedBlocks: states ? states.filter((st) => st === 'allocated').length : 0,
      totalBlocks: states?.length ?? 0,
      allocatedBytes,
      parent,
      inUse,
      warnings,
    };
    return { info, states, parentError };
  } finally {
    await s.close();
  }
}
