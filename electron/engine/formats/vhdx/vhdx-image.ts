import { PlatterError } from '../../errors';
import { PAYLOAD_STATE } from './bat';
import { MIB } from './fields';
import { hasVhdxSignature } from './file-identifier';
import { HEADER_OFFSETS, HEADER_SIZE, selectHeader } from './header';
import type { VhdxParentLocator } from './parent-locator';
import { bitRuns } from './sector-bitmap';
import { withLogReplayed } from './replayed-source';
import type { VhdxFile } from './replayed-source';
import { readVhdxMetadata, readVhdxStructure } from './structure';
import type { VhdxStructure } from './structure';
import { checkReadRange } from '../../image/disk-image';
import { blockPieces, layeredExtents, readBeneath } from '../../image/layers';
import type { FilePlacement } from '../../image/layers';
import type { DiskImage, Extent } from '../../image/disk-image';
import { parentCandidates } from '../vhd/parent-reference';
import { findParentFile } from '../parent-search';
import type { ParentLocator } from '../vhd/parent-reference';
import { RandomAccessFile } from '../../io/random-access-file';

const BITMAP_CACHE_BYTES = 8 * 1024 * 1024;

/** Where a block's bytes come from: this file, zeros, the parent, or sector by sector (the bitmap decides). */
export type Source = 'file' | 'zero' | 'beneath' | 'bitmap';

/** A fixed, dynamic or differencing VHDX, read through its parent when it has one. */
export class VhdxImage implements DiskImage {
  readonly format = 'vhdx' as const;
  private readonly bitmaps = new Map<number, Uint8Array>();

  constructor(
    private readonly file: VhdxFile,
    readonly structure: VhdxStructure,
    readonly parent: DiskImage | null,
  ) {}

  get path(): string {
    return this.file.path;
  }

  get virtualSize(): number {
    return this.structure.metadata.virtualSize;
  }

  get blockSize(): number {
    return this.structure.metadata.blockSize;
  }

  get logicalSectorSize(): number {
    return this.structure.metadata.logicalSectorSize;
  }

  /** Where block `block` reads from. */
  blockSource(block: number): Source {
    switch (this.structure.bat.payloadState[block]) {
      case PAYLOAD_STATE.fullyPresent:
        return 'file';
      case PAYLOAD_STATE.partiallyPresent:
        return 'bitmap';
      // The specification requires zeros for ZERO; UNMAPPED may read as zeros, and for a differencing disk the
      // parent's data is not what the block held before it was unmapped.
      case PAYLOAD_STATE.zero:
      case PAYLOAD_STATE.unmapped:
        return 'zero';
      default:
        // Not present or undefined: the parent's data for a differencing disk, zeros otherwise.
        return this.parent ? 'beneath' : 'zero';
    }
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    for (const { block, inBlock, from, to } of blockPieces(position, target.length, this.blockSize)) {
      const segment = target.subarray(from, to);
      const pos = position + from;
      const blockStart = this.structure.bat.payloadOffsetMiB[block]! * MIB;
      switch (this.blockSource(block)) {
        case 'file':
          await this.file.read(segment, blockStart + inBlock);
          break;
        case 'bitmap':
          await this.readPartial(segment, pos, block, blockStart, inBlock);
          break;
        case 'beneath':
          await this.readBeneath(segment, pos);
          break;
        case 'zero':
          segment.fill(0);
      }
    }
  }

  /** Bytes not held by this file: the parent's, and zeros past the end of a parent smaller than its child. */
  private readBeneath(segment: Uint8Array, position: number): Promise<void> {
    return readBeneath(this.parent, segment, position);
  }

  private async readPartial(
    segment: Uint8Array,
    position: number,
    block: number,
    blockStart: number,
    inBlock: number,
  ): Promise<void> {
    const sector = this.logicalSectorSize;
    const bitmap = await this.blockBitmap(block);
    const firstSector = Math.floor(inBlock / sector);
    const endSector = Math.ceil((inBlock + segment.length) / sector);
    for (const run of bitRuns(bitmap, firstSector, endSector - firstSector)) {
      const from = Math.max(run.first * sector, inBlock);
      const to = Math.min((run.first + run.count) * sector, inBlock + segment.length);
      const part = segment.subarray(from - inBlock, to - inBlock);
      if (run.set) await this.file.read(part, blockStart + from);
      else await this.readBeneath(part, position + (from - inBlock));
    }
  }

  /** The part of the chunk's sector bitmap block that covers `block`: one bit per logical sector. */
  async blockBitmap(block: number): Promise<Uint8Array> {
    const cached = this.bitmaps.get(block);
    if (cached) return cached;
    const { geometry, bat } = this.structure;
    const chunk = Math.floor(block / geometry.chunkRatio);
    // A whole number of bytes: a block holds at least 256 sectors.
    const bytes = this.blockSize / this.logicalSectorSize / 8;
    const offset = bat.bitmapOffsetMiB[chunk]! * MIB + (block % geometry.chunkRatio) * bytes;
    if ((this.bitmaps.size + 1) * bytes > BITMAP_CACHE_BYTES) this.bitmaps.clear();
    const bitmap = await this.file.readAt(offset, bytes);
    this.bitmaps.set(block, bitmap);
    return bitmap;
  }

  async extents(): Promise<Extent[]> {
    const beneath = this.parent ? await this.parent.extents() : [];
    const kinds = { file: 'data', bitmap: 'data', zero: 'zero', beneath: 'beneath' } as const;
    return layeredExtents(
      this.structure.geometry.payloadBlocks,
      this.blockSize,
      this.virtualSize,
      (block) => kinds[this.blockSource(block)],
      beneath,
      this.filePlacement(),
    );
  }

  /**
   * Where blocks lie in a plain file (not one read through a replayed log): a fully present block reads as the
   * file, holes included; a partly present one too when there is no parent for its other sectors to read from.
   */
  private filePlacement(): FilePlacement | undefined {
    if (!(this.file instanceof RandomAccessFile)) return undefined;
    return {
      fileExtents: this.file.extents(this.file.size),
      offsetOf: (block) => {
        const source = this.blockSource(block);
        if (source !== 'file' && (source !== 'bitmap' || this.parent)) return null;
        return this.structure.bat.payloadOffsetMiB[block]! * MIB;
      },
    };
  }

  /** Per block: held in this file (wholly or in part), reading as zeros, or read from the parent. */
  blockStates(): ('allocated' | 'partial' | 'zero' | 'parent')[] {
    const names = { file: 'allocated', bitmap: 'partial', zero: 'zero', beneath: 'parent' } as const;
    return Array.from({ length: this.structure.geometry.payloadBlocks }, (_, block) => names[this.blockSource(block)]);
  }

  async close(): Promise<void> {
    await this.file.close();
    await this.parent?.close();
  }
}

/**
 * Opens a VHDX whose file is already open, read as its log's replay leaves it. A differencing disk's parent is
 * located from its parent locator, its identity checked against the locator's parent_linkage, and then opened with
 * `openParent`.
 */
export async function openVhdx(
  opened: RandomAccessFile,
  openParent: (path: string) => Promise<DiskImage>,
): Promise<VhdxImage> {
  const file = await withLogReplayed(opened);
  const structure = await readVhdxStructure(file);
  const locator = structure.metadata.parentLocator;
  if (!structure.metadata.hasParent || !locator) return new VhdxImage(file, structure, null);
  const parent = await openParent(await findVhdxParent(file.path, locator));
  if (parent instanceof VhdxImage && parent.logicalSectorSize !== structure.metadata.logicalSectorSize) {
    await parent.close();
    throw new PlatterError(
      'VHD_PARENT_MISMATCH',
      `${file.path} has ${structure.metadata.logicalSectorSize}-byte sectors but its parent ${parent.path} has ${parent.logicalSectorSize}-byte sectors`,
      'find the parent this child was made from',
      { path: file.path, parentPath: parent.path },
    );
  }
  return new VhdxImage(file, structure, parent);
}

/** Turns the locator's paths into the form parent-reference.ts resolves: relative, then volume, then absolute. */
function locatorPaths(locator: VhdxParentLocator): ParentLocator[] {
  const entry = (platform: string, path: string | null): ParentLocator[] =>
    path ? [{ platform, path, offset: 0, length: 0 }] : [];
  // Drop the extended-length prefix: \\?\d:\x is d:\x, \\?\UNC\server\share is \\server\share.
  const absolute = locator.absoluteWin32Path?.replace(/^\\\\\?\\UNC\\/i, '\\\\').replace(/^\\\\\?\\/, '') ?? null;
  return [...entry('W2ru', locator.relativePath), ...entry('W2ku', locator.volumePath), ...entry('W2ku', absolute)];
}

/** Finds the parent file whose DataWriteGuid is the child's parent_linkage; throws VHD_PARENT_NOT_FOUND or _MISMATCH. */
export function findVhdxParent(childPath: string, locator: VhdxParentLocator): Promise<string> {
  const locators = locatorPaths(locator);
  const parentName = locator.relativePath ?? locator.absoluteWin32Path ?? locator.volumePath ?? '';
  return findParentFile({
    childPath,
    candidates: parentCandidates(childPath, { uuid: '', name: '', timestamp: '', locators }),
    wanted: [locator.parentLinkage, locator.parentLinkage2].filter((g) => g !== null),
    identityName: 'DataWriteGuid',
    notOfFormat: 'not a readable VHDX',
    readIdentity: readVhdxDataWriteGuid,
    parentName,
    mismatch: {
      remedy:
        'find the parent this child was made from; a parent written to after the child was made no longer matches it',
      details: { expectedGuid: locator.parentLinkage },
    },
    missing: {
      remedy: 'put the parent back where it was, next to the child or at the path the child records',
      details: { parentName, parentGuid: locator.parentLinkage },
    },
  });
}

/** The parent_linkage a differencing VHDX at `path` records (its parent's DataWriteGuid), or null. */
export async function readVhdxParentLinkage(path: string): Promise<string | null> {
  let file: RandomAccessFile | undefined;
  try {
    file = await RandomAccessFile.open(path);
    if (file.size < 8 || !hasVhdxSignature(await file.readAt(0, 8))) return null;
    const { metadata } = await readVhdxMetadata(await withLogReplayed(file));
    return metadata.hasParent ? (metadata.parentLocator?.parentLinkage ?? null) : null;
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}

/** The DataWriteGuid of the VHDX at `path` (what a child's parent_linkage names), or null when it is not one. */
export async function readVhdxDataWriteGuid(path: string): Promise<string | null> {
  let file: RandomAccessFile | undefined;
  try {
    file = await RandomAccessFile.open(path);
    if (file.size < HEADER_OFFSETS[1] + HEADER_SIZE || !hasVhdxSignature(await file.readAt(0, 8))) return null;
    const current = selectHeader(
      await file.readAt(HEADER_OFFSETS[0], HEADER_SIZE),
      await file.readAt(HEADER_OFFSETS[1], HEADER_SIZE),
    );
    return current.header.dataWriteGuid;
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}
