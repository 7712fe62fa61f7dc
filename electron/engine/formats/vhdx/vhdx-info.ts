// `info` for a VHDX: its metadata and allocation (headers, region table, metadata and BAT; never the data).
import { isPlatterError } from '../../errors';
import type { PlatterError } from '../../errors';
import type { DiskType } from '../vhd/footer';
import { withLogReplayed } from './replayed-source';
import { readVhdxStructure } from './structure';
import type { OtherUse } from '../../io/image-lock';
import { otherUseWarning } from '../../io/image-lock';
import { RandomAccessFile } from '../../io/random-access-file';
import { markedSparse, sparseWarning } from '../../io/sparse-attribute';
import { VhdxImage, findVhdxParent } from './vhdx-image';
import type { DiskImage } from '../../image/disk-image';

export interface VhdxInfo {
  readonly path: string;
  readonly format: 'vhdx';
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly fileSize: number;
  readonly blockSize: number;
  readonly allocatedBlocks: number;
  readonly totalBlocks: number;
  readonly logicalSectorSize: number;
  readonly physicalSectorSize: number | null;
  readonly dataWriteGuid: string;
  readonly fileWriteGuid: string;
  /** The file identifier's creator ("Microsoft Windows 10.0.18363.0", "d2v"). */
  readonly creator: string;
  readonly parent: {
    /** The parent's DataWriteGuid the child was made against. */
    readonly linkage: string;
    readonly locators: readonly { readonly platform: string; readonly path: string }[];
    readonly resolvedPath: string | null;
  } | null;
  readonly inUse: OtherUse;
  readonly warnings: readonly string[];
}

/** Block states without opening the parent: the states only ask whether there is one. */
const PARENT_NOT_OPENED = {} as DiskImage;

export async function inspectVhdx(path: string): Promise<VhdxInfo> {
  return (await readVhdxInfo(path)).info;
}

/** `info`, plus what the image view also draws and says: each block's state, and why a parent was not found. */
export interface VhdxRead {
  readonly info: VhdxInfo;
  readonly states: ReturnType<VhdxImage['blockStates']>;
  readonly parentError: PlatterError | null;
}

/** One read of the headers and BAT for all of VhdxRead. */
export async function readVhdxInfo(path: string): Promise<VhdxRead> {
  const file = await RandomAccessFile.open(path);
  try {
    const view = await withLogReplayed(file);
    const s = await readVhdxStructure(view);
    const m = s.metadata;
    const states = new VhdxImage(view, s, m.hasParent ? PARENT_NOT_OPENED : null).blockStates();
    const inUse = file.otherUse();
    const warnings = [...[otherUseWarning(inUse)].filter((w) => w !== null), ...s.warnings];
    if (await markedSparse(path)) warnings.push(sparseWarning(path));
    let parent: VhdxInfo['parent'] = null;
    let parentError: PlatterError | null = null;
    if (m.hasParent && m.parentLocator) {
      const l = m.parentLocator;
      let resolvedPath: string | null = null;
      try {
        resolvedPath = await findVhdxParent(path, l);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        parentError = err;
        warnings.push(err.message);
      }
      const recorded: [string, string | null][] = [
        ['relative_path', l.relativePath],
        ['volume_path', l.volumePath],
        ['absolute_win32_path', l.absoluteWin32Path],
      ];
      parent = {
        linkage: l.parentLinkage,
        locators: recorded
          .filter((r): r is [string, string] => r[1] !== null)
          .map(([platform, p]) => ({ platform, path: p })),
        resolvedPath,
      };
    }
    const info: VhdxInfo = {
      path,
      format: 'vhdx',
      diskType: m.hasParent ? 'differencing' : m.leaveBlocksAllocated ? 'fixed' : 'dynamic',
      virtualSize: m.virtualSize,
      fileSize: file.size,
      blockSize: m.blockSize,
      allocatedBlocks: states.filter((st) => st === 'allocated' || st === 'partial').length,
      totalBlocks: states.length,
      logicalSectorSize: m.logicalSectorSize,
      physicalSectorSize: m.physicalSectorSize,
      dataWriteGuid: s.header.dataWriteGuid,
      fileWriteGuid: s.header.fileWriteGuid,
      creator: s.identifier.creator,
      parent,
      inUse,
      warnings,
    };
    return { info, states, parentError };
  } finally {
    await file.close();
  }
}
