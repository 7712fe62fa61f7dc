// `info` for a VDI: its header and block map (never its data), and where its parent is.
import { isPlatterError } from '../../errors';
import type { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { otherUseWarning } from '../../io/image-lock';
import type { OtherUse } from '../../io/image-lock';
import { RandomAccessFile } from '../../io/random-access-file';
import type { DiskType } from '../vhd/footer';
import type { ImageTypeName, VdiGeometry } from './header';
import { findVdiParent, readVdiHeaderAt } from './parent';
import { readVdiStructure } from './structure';
import { VdiImage, hasParentLink } from './vdi-image';
import type { VdiBlockState } from './vdi-image';

export interface VdiInfo {
  readonly path: string;
  readonly format: 'vdi';
  readonly diskType: DiskType;
  /** VirtualBox's own name for the type: normal (dynamic), fixed, undo or diff. */
  readonly imageType: ImageTypeName;
  /** "1.1" or "0.2". */
  readonly version: string;
  readonly headerSize: number | null;
  readonly virtualSize: number;
  readonly fileSize: number;
  readonly blockSize: number;
  /** Blocks held in this file, as the map says (the header's own count is `headerBlocksAllocated`). */
  readonly allocatedBlocks: number;
  readonly headerBlocksAllocated: number;
  readonly totalBlocks: number;
  readonly uuid: string;
  readonly modificationUuid: string;
  readonly comment: string;
  /** The pre-header's banner: who wrote the file ("<<< Oracle VM VirtualBox Disk Image >>>", qemu's own). */
  readonly banner: string;
  /** The BIOS (LCHS) geometry a 1.1+ header records; zeros until a VM first asks for it. */
  readonly lchsGeometry: VdiGeometry | null;
  readonly parent: {
    readonly uuid: string;
    /** The parent's modification UUID when the child was made. */
    readonly modificationUuid: string;
    readonly resolvedPath: string | null;
  } | null;
  readonly inUse: OtherUse;
  readonly warnings: readonly string[];
}

export interface VdiRead {
  readonly info: VdiInfo;
  readonly states: readonly VdiBlockState[];
  readonly parentError: PlatterError | null;
}

/** Block states without opening the parent: they only ask whether there is one. */
const PARENT_NOT_OPENED = {} as DiskImage;

const DISK_TYPES: Record<ImageTypeName, DiskType> = {
  normal: 'dynamic',
  fixed: 'fixed',
  undo: 'differencing',
  diff: 'differencing',
};

export async function readVdiInfo(path: string): Promise<VdiRead> {
  const file = await RandomAccessFile.open(path);
  try {
    const s = await readVdiStructure(file);
    const h = s.header;
    const linked = hasParentLink(s);
    const states = new VdiImage(file, s, linked ? PARENT_NOT_OPENED : null).blockStates();
    const inUse = file.otherUse();
    const warnings = [...[otherUseWarning(inUse)].filter((w) => w !== null), ...s.warnings];
    let parent: VdiInfo['parent'] = null;
    let parentError: PlatterError | null = null;
    if (linked) {
      let resolvedPath: string | null = null;
      try {
        resolvedPath = await findVdiParent(file.path, h.parentUuid);
        const found = await readVdiHeaderAt(resolvedPath);
        if (found && h.headerSize !== null && h.parentModificationUuid !== found.modificationUuid)
          warnings.push(
            `the parent ${resolvedPath} was changed after this child was made (its modification UUID is ${found.modificationUuid}, the child expects ${h.parentModificationUuid})`,
          );
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        parentError = err;
        warnings.push(err.message);
      }
      parent = { uuid: h.parentUuid, modificationUuid: h.parentModificationUuid, resolvedPath };
    }
    const info: VdiInfo = {
      path: file.path,
      format: 'vdi',
      diskType: DISK_TYPES[h.type],
      imageType: h.type,
      version: `${h.version >>> 16}.${h.version & 0xffff}`,
      headerSize: h.headerSize,
      virtualSize: s.virtualSize,
      fileSize: file.size,
      blockSize: h.blockSize,
      allocatedBlocks: states.filter((st) => st === 'allocated').length,
      headerBlocksAllocated: h.blocksAllocated,
      totalBlocks: states.length,
      uuid: h.uuid,
      modificationUuid: h.modificationUuid,
      comment: h.comment,
      banner: h.banner.trim(),
      lchsGeometry: h.lchsGeometry,
      parent,
      inUse,
      warnings,
    };
    return { info, states, parentError };
  } finally {
    await file.close();
  }
}
