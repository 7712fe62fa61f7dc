// The ext block groups: where each group's descriptor lives (the table after the superblock, or meta_bg's blocks
// inside the groups), what each descriptor says (its bitmaps, inode table and flags, checksum checked), and the
// metadata a group holds at its start (superblock backup and descriptor copies).
import { crc16, crc32c, le32 } from './checksums';
import { groupHasSuper } from './ext-superblock';
import type { ExtSuperblock } from './ext-superblock';
import { damaged, dataView, readVolume } from './volume';
import type { Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

/** Above this many groups (128 TiB of 4 KiB blocks) the volume is refused rather than read. */
export const MAX_GROUPS = 1 << 20;
export const BLOCK_UNINIT = 0x2;

export interface ExtGroups {
  readonly blockBitmap: Float64Array;
  readonly inodeBitmap: Float64Array;
  readonly inodeTable: Float64Array;
  readonly flags: Uint16Array;
  /** The block bitmap's checksum (both halves where the descriptor holds them). */
  readonly bitmapCsum: Uint32Array;
}

const FS = 'ext';

export function groupFirstBlock(sb: ExtSuperblock, g: number): number {
  return sb.firstDataBlock + g * sb.blocksPerGroup;
}

function descPerBlock(sb: ExtSuperblock): number {
  return sb.blockSize / sb.descSize;
}

/** The block holding descriptor block `b` (the descriptors of groups b * perBlock onwards). */
function descriptorBlock(sb: ExtSuperblock, b: number): number {
  // With 1 KiB blocks and bigalloc the first data block is 0, yet the superblock still sits in block 1 (e2fsprogs'
  // ext2fs_descriptor_block_loc2 does the same).
  const superBlock = sb.firstDataBlock === 0 && sb.blockSize === 1024 ? 1 : sb.firstDataBlock;
  if (!sb.metaBg || b < sb.firstMetaBg) return superBlock + 1 + b;
  const leader = b * descPerBlock(sb);
  const first = leader === 0 ? superBlock : groupFirstBlock(sb, leader);
  return first + (groupHasSuper(sb, leader) ? 1 : 0);
}

/** Blocks at the start of group `g` that hold the superblock and descriptor copies (as e2fsprogs counts them). */
export function groupBaseBlocks(sb: ExtSuperblock, g: number): number {
  const perBlock = descPerBlock(sb);
  const hasSuper = groupHasSuper(sb, g);
  let count = hasSuper ? 1 : 0;
  const metaGroup = Math.floor(g / perBlock);
  if (!sb.metaBg || metaGroup < sb.firstMetaBg) {
    const oldDesc = sb.metaBg ? sb.firstMetaBg : Math.ceil(sb.groupCount / perBlock) + sb.reservedGdtBlocks;
    if (hasSuper) count += oldDesc;
  } else {
    const at = g % perBlock;
    if (at === 0 || at === 1 || at === perBlock - 1) count += 1;
  }
  return count;
}

function checkDescriptor(sb: ExtSuperblock, g: number, desc: Uint8Array): void {
  if (!sb.groupChecksum) return;
  const stored = dataView(desc).getUint16(30, true);
  let sum: number;
  if (sb.groupChecksum === 'crc32c') {
    const copy = desc.slice();
    copy[30] = 0;
    copy[31] = 0;
    sum = crc32c(crc32c(sb.csumSeed, le32(g)), copy) & 0xffff;
  } else {
    sum = crc16(crc16(crc16(0xffff, sb.uuid), le32(g)), desc.subarray(0, 30));
    if (desc.length > 32) sum = crc16(sum, desc.subarray(32));
  }
  if (sum !== stored) throw damaged(FS, `group descriptor ${g} fails its checksum`);
}

export async function readExtGroups(image: DiskImage, volume: Volume, sb: ExtSuperblock): Promise<ExtGroups> {
  if (sb.groupCount > MAX_GROUPS) throw damaged(FS, `has ${sb.groupCount} block groups, more than this reader takes`);
  const n = sb.groupCount;
  const groups: ExtGroups = {
    blockBitmap: new Float64Array(n),
    inodeBitmap: new Float64Array(n),
    inodeTable: new Float64Array(n),
    flags: new Uint16Array(n),
    bitmapCsum: new Uint32Array(n),
  };
  const perBlock = descPerBlock(sb);
  const wide = sb.descSize >= 64;
  const inside = (block: number, length: number) => block >= 1 && block + length <= sb.blocksCount;
  for (let b = 0; b * perBlock < n; b++) {
    const block = descriptorBlock(sb, b);
    if (!inside(block, 1)) throw damaged(FS, `places descriptor block ${b} at block ${block}, outside it`);
    const bytes = await readVolume(image, volume, block * sb.blockSize, sb.blockSize, FS, 'group descriptors');
    const v = dataView(bytes);
    for (let i = 0; i < perBlock && b * perBlock + i < n; i++) {
      const g = b * perBlock + i;
      const at = i * sb.descSize;
      checkDescriptor(sb, g, bytes.subarray(at, at + sb.descSize));
      const hi = (offset: number) => (wide ? v.getUint32(at + offset, true) * 2 ** 32 : 0);
      const blockBitmap = v.getUint32(at, true) + hi(32);
      const inodeBitmap = v.getUint32(at + 4, true) + hi(36);
      const inodeTable = v.getUint32(at + 8, true) + hi(40);
      if (!inside(blockBitmap, 1) || !inside(inodeBitmap, 1) || !inside(inodeTable, sb.inodeTableBlocks))
        throw damaged(FS, `group ${g} places its bitmaps or inode table outside the file system`);
      groups.blockBitmap[g] = blockBitmap;
      groups.inodeBitmap[g] = inodeBitmap;
      groups.inodeTable[g] = inodeTable;
      groups.flags[g] = v.getUint16(at + 18, true);
      groups.bitmapCsum[g] = (v.getUint16(at + 24, true) | (wide ? v.getUint16(at + 56, true) << 16 : 0)) >>> 0;
    }
  }
  return groups;
}
