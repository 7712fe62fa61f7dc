// `info` for a qcow2 image: its header, snapshots and backing file, and from its L2 tables how much it holds and
// each block's state (never the data).
import { isPlatterError } from '../../errors';
import type { PlatterError } from '../../errors';
import type { OtherUse } from '../../io/image-lock';
import { otherUseWarning } from '../../io/image-lock';
import { RandomAccessFile } from '../../io/random-access-file';
import type { Description } from '../driver';
import { findBacking } from './open-qcow2';
import { Qcow2Image } from './qcow2-image';
import { readQcow2Structure } from './structure';

export interface Qcow2Info {
  readonly path: string;
  readonly format: 'qcow2';
  readonly diskType: 'dynamic' | 'differencing';
  readonly virtualSize: number;
  readonly fileSize: number;
  /** 2 or 3 (qemu's compat 0.10 and 1.1). */
  readonly version: number;
  readonly clusterSize: number;
  readonly compressionType: 'zlib' | 'zstd';
  readonly refcountBits: number;
  readonly extendedL2: boolean;
  readonly lazyRefcounts: boolean;
  /** The cluster size (what the other formats call their block size). */
  readonly blockSize: number;
  /** Clusters this file holds (compressed ones included), and all the disk's clusters. */
  readonly allocatedBlocks: number;
  readonly compressedClusters: number;
  readonly totalBlocks: number;
  readonly backingFile: {
    readonly name: string;
    /** The format the overlay records for it, or null (qemu probes). */
    readonly format: string | null;
    readonly resolvedPath: string | null;
  } | null;
  readonly snapshots: readonly {
    readonly id: string;
    readonly name: string;
    readonly date: string;
    readonly vmStateSize: number;
    readonly diskSize: number | null;
  }[];
  readonly dirty: boolean;
  readonly corrupt: boolean;
  readonly inUse: OtherUse;
  readonly warnings: readonly string[];
}

/** The most blocks the state map has: past that, a block spans several clusters (a 64 TiB disk of 64 KiB clusters). */
const MAX_STATE_BLOCKS = 1 << 22;
const STATE_CODES = { beneath: 0, zero: 1, data: 2, mixed: 3 } as const;
type BlockState = ReturnType<Description['blockStates']> extends readonly (infer S)[] | null ? S : never;

export async function describeQcow2(path: string): Promise<Description> {
  const file = await RandomAccessFile.open(path);
  try {
    const structure = await readQcow2Structure(file);
    const { header } = structure;
    const image = new Qcow2Image(file, structure, null);
    const total = image.clusterCount;
    let scale = 1;
    while (Math.ceil(total / scale) > MAX_STATE_BLOCKS) scale *= 2;
    const blocks = Math.ceil(total / scale);
    // Per block: which kinds its clusters have, one bit per kind.
    const seen = new Uint8Array(blocks);
    let allocated = 0;
    let compressed = 0;
    await image.walk((first, count, kind, m) => {
      if (kind === 'data' || kind === 'mixed') allocated += count;
      if (m?.kind === 'compressed') compressed++;
      const bit = 1 << STATE_CODES[kind];
      for (let b = Math.floor(first / scale); b <= Math.floor((first + count - 1) / scale); b++) seen[b]! |= bit;
    });
    const hasBacking = structure.backingName !== null;
    const stateOf = (bits: number): BlockState => {
      const data = bits & ((1 << STATE_CODES.data) | (1 << STATE_CODES.mixed));
      if (data && bits === 1 << STATE_CODES.data) return 'allocated';
      if (data) return 'partial';
      return hasBacking && bits & (1 << STATE_CODES.beneath) ? 'parent' : 'zero';
    };
    const inUse = file.otherUse();
    const warnings = [...[otherUseWarning(inUse)].filter((w) => w !== null), ...structure.warnings];
    let parentError: PlatterError | null = null;
    let resolvedPath: string | null = null;
    if (structure.backingName) {
      try {
        resolvedPath = await findBacking(path, structure.backingName);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        parentError = err;
        warnings.push(err.message);
      }
    }
    const backingFile = structure.backingName
      ? { name: structure.backingName, format: structure.extensions.backingFormat, resolvedPath }
      : null;
    const info: Qcow2Info = {
      path,
      format: 'qcow2',
      diskType: hasBacking ? 'differencing' : 'dynamic',
      virtualSize: header.virtualSize,
      fileSize: file.size,
      version: header.version,
      clusterSize: header.clusterSize,
      compressionType: header.compressionType,
      refcountBits: 2 ** header.refcountOrder,
      extendedL2: header.extendedL2,
      lazyRefcounts: (header.compatibleFeatures & 1n) !== 0n,
      blockSize: header.clusterSize,
      allocatedBlocks: allocated,
      compressedClusters: compressed,
      totalBlocks: total,
      backingFile,
      snapshots: structure.snapshots.map(({ id, name, date, vmStateSize, diskSize }) => ({
        ...{ id, name, date, vmStateSize, diskSize },
      })),
      dirty: structure.dirty,
      corrupt: structure.corrupt,
      inUse,
      warnings,
    };
    return {
      info,
      diskType: info.diskType,
      virtualSize: header.virtualSize,
      fileSize: file.size,
      blockSize: header.clusterSize * scale,
      blockStates: () => Array.from(seen, stateOf),
      allocatedBytes: Math.min(allocated * header.clusterSize, header.virtualSize),
      identity: '',
      parent: backingFile
        ? {
            uuid: '',
            name: backingFile.name,
            timestamp: null,
            locators: [{ platform: 'backing file', path: backingFile.name }],
            resolvedPath,
          }
        : null,
      parentError,
      warnings,
      // qemu's own format; the file records no creator.
      madeBy: 'QEMU',
      layout: null,
    };
  } finally {
    await file.close();
  }
}
