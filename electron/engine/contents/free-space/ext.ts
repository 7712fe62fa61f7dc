// ext2/3/4 free space: each group's block bitmap, read group by group (never a bitmap of the whole disk). A group
// flagged BLOCK_UNINIT (where gdt_csum or metadata_csum makes the flag count) has no bitmap on disk: only the
// metadata inside it is in use, which is computed here as e2fsprogs does, and then some (any group's bitmaps or
// inode table that lie in it, which mke2fs never places in an uninitialised group).
import { crc32c } from './checksums';
import { BLOCK_UNINIT, groupBaseBlocks, groupFirstBlock, readExtGroups } from './ext-groups';
import type { ExtGroups } from './ext-groups';
import { SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, parseExtSuperblock } from './ext-superblock';
import type { ExtSuperblock } from './ext-superblock';
import { RangeList, addClearBits, damaged, readVolume } from './volume';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const FS = 'ext';

function sorted(values: Float64Array): Float64Array {
  return values.slice().sort();
}

/** The first index whose value is >= `value`. */
function lowerBound(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface MetadataIndex {
  readonly singles: Float64Array;
  readonly tables: Float64Array;
}

/** The bitmap of an uninitialised group: its superblock and descriptor copies, and any metadata lying in it. */
function computedBitmap(sb: ExtSuperblock, index: MetadataIndex, g: number, first: number, end: number): Uint8Array {
  const clusters = Math.ceil((end - first) / sb.clusterRatio);
  const bitmap = new Uint8Array(Math.ceil(clusters / 8));
  const mark = (block: number, length: number) => {
    const from = Math.max(block, first);
    const to = Math.min(block + length, end);
    for (let c = Math.floor((from - first) / sb.clusterRatio); c * sb.clusterRatio < to - first; c++)
      bitmap[c >> 3]! |= 1 << (c & 7);
  };
  mark(first, groupBaseBlocks(sb, g));
  for (let i = lowerBound(index.singles, first); i < index.singles.length && index.singles[i]! < end; i++)
    mark(index.singles[i]!, 1);
  const tableLength = sb.inodeTableBlocks;
  for (let i = lowerBound(index.tables, first - tableLength + 1); i < index.tables.length; i++) {
    if (index.tables[i]! >= end) break;
    mark(index.tables[i]!, tableLength);
  }
  return bitmap;
}

async function readBitmap(
  image: DiskImage,
  volume: Volume,
  sb: ExtSuperblock,
  groups: ExtGroups,
  g: number,
): Promise<Uint8Array> {
  const bitmap = await readVolume(image, volume, groups.blockBitmap[g]! * sb.blockSize, sb.blockSize, FS, 'bitmap');
  if (sb.groupChecksum === 'crc32c') {
    const sum = crc32c(sb.csumSeed, bitmap.subarray(0, sb.clustersPerGroup / 8));
    const mask = sb.descSize >= 64 ? 0xffffffff : 0xffff;
    if ((sum & mask) >>> 0 !== groups.bitmapCsum[g]) throw damaged(FS, `block bitmap of group ${g} fails its checksum`);
  }
  return bitmap;
}

export async function extFreeSpace(
  image: DiskImage,
  volume: Volume,
  fileSystem: 'ext2' | 'ext3' | 'ext4',
): Promise<FreeSpace | null> {
  const sbBytes = await readVolume(image, volume, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, FS, 'superblock');
  const sb = parseExtSuperblock(sbBytes, volume);
  if (sb.journalDevice) return null; // an external journal, not a file system: kept whole
  const groups = await readExtGroups(image, volume, sb);
  const index: MetadataIndex = {
    singles: sorted(Float64Array.from([...groups.blockBitmap, ...groups.inodeBitmap])),
    tables: sorted(groups.inodeTable),
  };
  const out = new RangeList(volume.start + sb.blocksCount * sb.blockSize);
  const clusterBytes = sb.blockSize * sb.clusterRatio;
  for (let g = 0; g < sb.groupCount; g++) {
    const first = groupFirstBlock(sb, g);
    const end = Math.min(first + sb.blocksPerGroup, sb.blocksCount);
    const clusters = Math.ceil((end - first) / sb.clusterRatio);
    const uninit = sb.groupChecksum !== null && (groups.flags[g]! & BLOCK_UNINIT) !== 0;
    const bitmap = uninit ? computedBitmap(sb, index, g, first, end) : await readBitmap(image, volume, sb, groups, g);
    addClearBits(out, bitmap, clusters, 0, clusterBytes, volume.start + first * sb.blockSize);
  }
  return {
    fileSystem,
    label: sb.label,
    clean: sb.unclean === null,
    reason: sb.unclean,
    unused: out.ranges,
    unusedBytes: out.bytes,
  };
}
