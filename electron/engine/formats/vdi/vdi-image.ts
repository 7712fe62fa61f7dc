// A fixed, dynamic or differencing VDI read as VirtualBox reads it: an allocated block from the data area, a zero
// block as zeros, a free block from the parent (or as zeros for a disk of its own).
import { PlatterError, namingPath } from '../../errors';
import { checkReadRange } from '../../image/disk-image';
import type { DiskImage, Extent } from '../../image/disk-image';
import { layeredExtents, readBeneath } from '../../image/layers';
import type { BlockSource } from '../../image/layers';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { ParentOpener } from '../driver';
import { findVdiParent } from './parent';
import { BLOCK_ZERO, blockFileOffset, isAllocated, readVdiStructure } from './structure';
import type { VdiStructure } from './structure';

export type VdiBlockState = 'allocated' | 'zero' | 'parent';

/** Whether the header makes it a child: a differencing image, or the undo image of VirtualBox's first releases. */
export function hasParentLink(s: VdiStructure): boolean {
  return s.header.type === 'diff' || s.header.type === 'undo';
}

export class VdiImage implements DiskImage {
  readonly format = 'vdi' as const;

  constructor(
    private readonly file: RandomAccessFile,
    readonly structure: VdiStructure,
    readonly parent: DiskImage | null,
  ) {}

  get path(): string {
    return this.file.path;
  }

  get virtualSize(): number {
    return this.structure.virtualSize;
  }

  private source(block: number): BlockSource {
    const entry = this.structure.map[block]!;
    if (isAllocated(entry)) return 'data';
    return entry === BLOCK_ZERO ? 'zero' : 'beneath';
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    const { blockSize } = this.structure.header;
    for (let done = 0; done < target.length;) {
      const pos = position + done;
      const block = Math.floor(pos / blockSize);
      const inBlock = pos - block * blockSize;
      const segment = target.subarray(done, done + Math.min(blockSize - inBlock, target.length - done));
      const source = this.source(block);
      if (source === 'data') await this.file.read(segment, blockFileOffset(this.structure, block) + inBlock);
      else if (source === 'beneath') await readBeneath(this.parent, segment, pos);
      else segment.fill(0);
      done += segment.length;
    }
  }

  async extents(): Promise<Extent[]> {
    const beneath = this.parent ? await this.parent.extents() : [];
    const s = this.structure;
    return layeredExtents(s.diskBlocks, s.header.blockSize, s.virtualSize, (b) => this.source(b), beneath);
  }

  /** Per block of the disk: held in this file, reading as zeros, or read from the parent. */
  blockStates(): VdiBlockState[] {
    const withParent = hasParentLink(this.structure);
    return Array.from({ length: this.structure.diskBlocks }, (_, block) => {
      const source = this.source(block);
      if (source === 'data') return 'allocated';
      return source === 'beneath' && withParent ? 'parent' : 'zero';
    });
  }

  async close(): Promise<void> {
    await this.file.close();
    await this.parent?.close();
  }
}

/** Opens a VDI whose file is open; a differencing one's parent is found by its UUID and opened with `openParent`. */
export async function openVdi(file: RandomAccessFile, openParent: ParentOpener): Promise<VdiImage> {
  // Named with this file's path; a parent's own errors name the parent.
  const structure = await namingPath(file.path, () => readVdiStructure(file));
  if (!hasParentLink(structure)) return new VdiImage(file, structure, null);
  const parent = await openParent(await findVdiParent(file.path, structure.header.parentUuid));
  if (!(parent instanceof VdiImage) || parent.structure.header.uuid !== structure.header.parentUuid) {
    await parent.close();
    throw new PlatterError(
      'VHD_PARENT_MISMATCH',
      `${parent.path} is not the VDI with UUID ${structure.header.parentUuid} that ${file.path} was made from`,
      'find the parent this child was made from',
      { path: file.path, parentPath: parent.path },
    );
  }
  return new VdiImage(file, structure, parent);
}
