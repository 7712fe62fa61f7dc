import { resolve } from 'node:path';
import type { ConsumerSizes } from '../../../../shared/image';
import { vhdTimeToDate } from '../fields';
import { UNALLOCATED } from './bat';
import { hostOsName, printableFourCC } from './footer';
import type { DiskType } from './footer';
import { geometryBytes, isMaxGeometry } from './geometry';
import type { Geometry } from './geometry';
import { PlatterError, isPlatterError } from '../../errors';
import { probeVhd, readVhdUuid } from './probe';
import { findParent, readParentReference } from './parent-reference';
import type { ParentLocator } from './parent-reference';
import { otherUseWarning } from '../../io/image-lock';
import type { OtherUse } from '../../io/image-lock';
import { rollBackInterrupted } from '../../io/undo-journal';
import { RandomAccessFile } from '../../io/random-access-file';
import { readVhdStructure } from './vhd-structure';
import { VhdImage } from './vhd-image';

export interface ParentInfo {
  readonly uuid: string;
  readonly name: string;
  readonly timestamp: string;
  readonly locators: readonly ParentLocator[];
  /** Where the parent was found (with the right UUID), or null. */
  readonly resolvedPath: string | null;
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
  readonly warnings: readonly string[];
}

/** qemu-img 7.2 trusts current size only for these creators, or when the geometry is at its maximum. */
const QEMU_CURRENT_SIZE_CREATORS = new Set(['win ', 'qem2', 'd2v ', 'CTXS', 'tap\0']);

/** The size each consumer reads from this footer (docs/vhd-format.md, "Which size is the size"). */
export function consumerSizes(creatorApp: string, currentSize: number, geometry: Geometry): ConsumerSizes {
  const chs = geometryBytes(geometry);
  const qemuImg = QEMU_CURRENT_SIZE_CREATORS.has(creatorApp) || isMaxGeometry(geometry) ? currentSize : chs;
  const disagree = qemuImg !== currentSize || chs !== currentSize;
  return { hyperV: currentSize, virtualBox: currentSize, virtualPc: chs, qemuImg, disagree };
}

function versionString(v: number): string {
  return `${v >>> 16}.${v & 0xffff}`;
}

/** Reads a VHD's headers (never its data) and describes it. A missing parent is a warning here, not an error. */
export async function inspectImage(path: string): Promise<ImageInfo> {
  return (await readVhdInfo(path)).info;
}

/** `info`, plus what the image view also draws and says: each block's state, and why a parent was not found. */
export interface VhdRead {
  readonly info: ImageInfo;
  /** Each block's state, worked out when asked (a 2040 GiB disk has a million blocks; `info` needs none). */
  readonly states: () => readonly ('allocated' | 'zero' | 'parent')[] | null;
  readonly allocatedBytes: number;
  readonly parentError: PlatterError | null;
}

/** One read of the footer, header and BAT for all of VhdRead. */
export async function readVhdInfo(path: string): Promise<VhdRead> {
  const absolute = resolve(path);
  await rollBackInterrupted(absolute);
  const file = await RandomAccessFile.open(absolute);
  try {
    if (!(await probeVhd(file))) {
      throw new PlatterError(
        'UNSUPPORTED',
        `${absolute} is not a VHD image (no VHD footer)`,
        'to make a VHD from a raw disk image, use `platter convert`',
        { path: absolute },
      );
    }
    const s = await readVhdStructure(file);
    const inUse = file.otherUse();
    const inUseWarning = otherUseWarning(inUse);
    const warnings = inUseWarning ? [inUseWarning, ...s.warnings] : [...s.warnings];
    const f = s.footer;
    let parent: ParentInfo | null = null;
    let parentError: PlatterError | null = null;
    if (f.diskType === 'differencing' && s.header) {
      const ref = await readParentReference(file, s.header, warnings);
      let resolvedPath: string | null = null;
      try {
        resolvedPath = await findParent(absolute, ref, readVhdUuid);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        parentError = err;
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
    const image = new VhdImage(file, s, null);
    const held = s.bat ? s.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0) : null;
    const info: ImageInfo = {
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
      allocatedBlocks: held,
      totalBlocks: s.bat ? s.bat.length : null,
      checksumValid: s.footerChecksumValid,
      headerChecksumValid: s.header ? s.headerChecksumValid : null,
      footerSource: s.footerSource,
      consumerSizes: sizes,
      inUse,
      parent,
      warnings,
    };
    const blockSize = s.header?.blockSize ?? 0;
    const allocatedBytes = s.bat ? info.allocatedBlocks! * blockSize : s.virtualSize;
    return { info, states: () => (s.bat ? image.blockStates() : null), allocatedBytes, parentError };
  } finally {
    await file.close();
  }
}
