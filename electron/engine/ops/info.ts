import { resolve } from 'node:path';
import { UNALLOCATED } from '../format/bat';
import { vhdTimeToDate } from '../format/fields';
import { hostOsName, printableFourCC } from '../format/footer';
import type { DiskType } from '../format/footer';
import { geometryBytes, isMaxGeometry } from '../format/geometry';
import type { Geometry } from '../format/geometry';
import { PlatterError, isPlatterError } from '../errors';
import { detectFormat, readVhdUuid } from '../image/open-image';
import { chainLevel, describeChain } from './chain';
import type { Chain } from './chain';
import type { VhdStructure } from '../image/vhd-structure';
import { findParent, readParentReference } from '../image/parent-reference';
import type { ParentLocator } from '../image/parent-reference';
import { otherUseWarning } from '../image/image-lock';
import type { OtherUse } from '../image/image-lock';
import { rollBackInterrupted } from './undo-journal';
import { RandomAccessFile } from '../image/random-access-file';
import { readVhdStructure } from '../image/vhd-structure';

export interface ParentInfo {
  readonly uuid: string;
  readonly name: string;
  readonly timestamp: string;
  readonly locators: readonly ParentLocator[];
  /** Where the parent was found (with the right UUID), or null. */
  readonly resolvedPath: string | null;
}

/** The size each consumer reads from this footer (docs/vhd-format.md, "Which size is the size"). */
export interface ConsumerSizes {
  readonly hyperV: number;
  readonly virtualBox: number;
  readonly virtualPc: number;
  readonly qemuImg: number;
}

export interface ImageInfo {
  readonly path: string;
  readonly format: 'vhd';
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly fileSize: number;
  readonly blockSize: number | null;
  readonly creatorApp: string;
  readonly creatorVersion: string;
  readonly creatorHostOs: string;
  readonly uuid: string;
  readonly timestamp: string;
  readonly geometry: Geometry;
  readonly originalSize: number;
  readonly currentSize: number;
  readonly allocatedBlocks: number | null;
  readonly totalBlocks: number | null;
  readonly checksumValid: boolean;
  readonly headerChecksumValid: boolean | null;
  readonly footerSource: 'end' | 'head';
  readonly consumerSizes: ConsumerSizes;
  /** Whether another program (a running VM) holds the disk: then Platter changes nothing in it. */
  readonly inUse: OtherUse;
  readonly parent: ParentInfo | null;
  /** This disk and its ancestors, child first (one level for a disk without parent). */
  readonly chain: Chain;
  readonly warnings: readonly string[];
}

/** qemu-img 7.2 trusts current size only for these creators, or when the geometry is at its maximum. */
const QEMU_CURRENT_SIZE_CREATORS = new Set(['win ', 'qem2', 'd2v ', 'CTXS', 'tap\0']);

export function consumerSizes(creatorApp: string, currentSize: number, geometry: Geometry): ConsumerSizes {
  const chs = geometryBytes(geometry);
  const qemuUsesCurrent = QEMU_CURRENT_SIZE_CREATORS.has(creatorApp) || isMaxGeometry(geometry);
  return { hyperV: currentSize, virtualBox: currentSize, virtualPc: chs, qemuImg: qemuUsesCurrent ? currentSize : chs };
}

function versionString(v: number): string {
  return `${v >>> 16}.${v & 0xffff}`;
}

/** Reads an image's headers (never its data) and describes it. A missing parent is a warning here, not an error. */
export async function inspectImage(path: string): Promise<ImageInfo> {
  const absolute = resolve(path);
  await rollBackInterrupted(absolute);
  const file = await RandomAccessFile.open(absolute);
  try {
    const format = await detectFormat(file);
    if (format !== 'vhd') {
      throw new PlatterError(
        'UNSUPPORTED',
        format === 'raw'
          ? `${absolute} is not a VHD image (no VHD footer)`
          : `${absolute} is a VHDX image, which info cannot read yet`,
        format === 'raw' ? 'to make a VHD from a raw disk image, use `platter convert`' : 'convert it to VHD first',
        { path: absolute },
      );
    }
    const s = await readVhdStructure(file);
    const inUse = file.otherUse();
    const inUseWarning = otherUseWarning(inUse);
    const warnings = inUseWarning ? [inUseWarning, ...s.warnings] : [...s.warnings];
    const f = s.footer;
    let parent: ParentInfo | null = null;
    if (f.diskType === 'differencing' && s.header) {
      const ref = await readParentReference(file, s.header, warnings);
      let resolvedPath: string | null = null;
      try {
        resolvedPath = await findParent(absolute, ref, readVhdUuid);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        warnings.push(err.message);
      }
      parent = { ...ref, resolvedPath };
    }
    const sizes = consumerSizes(f.creatorApp, Math.floor(f.currentSize / 512) * 512, f.geometry);
    if (sizes.qemuImg !== s.virtualSize) {
      warnings.push(
        `qemu-img 7.2 reads this disk as ${sizes.qemuImg} bytes (from its geometry), not its real ${s.virtualSize}; use \`platter convert\` for a copy every tool reads alike`,
      );
    }
    return {
      path: absolute,
      format: 'vhd',
      diskType: f.diskType,
      virtualSize: s.virtualSize,
      fileSize: file.size,
      blockSize: s.header?.blockSize ?? null,
      creatorApp: printableFourCC(f.creatorApp),
      creatorVersion: versionString(f.creatorVersion),
      creatorHostOs: hostOsName(f.creatorHostOs),
      uuid: f.uuid,
      timestamp: vhdTimeToDate(f.timestamp).toISOString(),
      geometry: f.geometry,
      originalSize: f.originalSize,
      currentSize: f.currentSize,
      allocatedBlocks: s.bat ? s.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0) : null,
      totalBlocks: s.bat ? s.bat.length : null,
      checksumValid: s.footerChecksumValid,
      headerChecksumValid: s.header ? s.headerChecksumValid : null,
      footerSource: s.footerSource,
      consumerSizes: sizes,
      inUse,
      parent,
      chain: await chainOf(absolute, s, file.size, parent),
      warnings,
    };
  } finally {
    await file.close();
  }
}

/** The chain below this disk; its own level comes from what info already read (no second read of the BAT). */
async function chainOf(path: string, s: VhdStructure, fileSize: number, parent: ParentInfo | null): Promise<Chain> {
  const self = chainLevel(path, s, fileSize);
  if (!parent) return { levels: [self], broken: null };
  if (!parent.resolvedPath) {
    return { levels: [self], broken: { name: parent.name, uuid: parent.uuid, reason: 'the parent was not found' } };
  }
  return describeChain(parent.resolvedPath, [self]);
}
