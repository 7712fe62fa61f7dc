// The ext2/3/4 superblock (1024 bytes at byte 1024 of the volume): the fields the free-space reader trusts, each
// checked against the volume and the format's limits before anything is read or allocated from it.
import { crc32c } from './checksums';
import { damaged, dataView } from './volume';
import type { Volume } from './volume';

export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;

const COMPAT_SPARSE_SUPER2 = 0x200;
export const INCOMPAT_RECOVER = 0x4;
const INCOMPAT_JOURNAL_DEV = 0x8;
const INCOMPAT_META_BG = 0x10;
const INCOMPAT_64BIT = 0x80;
const INCOMPAT_CSUM_SEED = 0x2000;
/** Every incompat feature the kernel knows except compression (0x1), which no kernel reads. */
const INCOMPAT_KNOWN = 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x1000 | 0x2000 | 0x4000;
const INCOMPAT_KNOWN_HIGH = 0x8000 | 0x10000 | 0x20000;
const RO_SPARSE_SUPER = 0x1;
const RO_GDT_CSUM = 0x10;
const RO_BIGALLOC = 0x200;
const RO_METADATA_CSUM = 0x400;
const RO_ORPHAN_PRESENT = 0x10000;

const STATE_VALID = 0x1;
const STATE_ERRORS = 0x2;

export interface ExtSuperblock {
  readonly blockSize: number;
  /** Blocks per allocation unit: 1 without bigalloc. */
  readonly clusterRatio: number;
  readonly blocksCount: number;
  readonly firstDataBlock: number;
  readonly blocksPerGroup: number;
  readonly clustersPerGroup: number;
  readonly inodesPerGroup: number;
  readonly inodeTableBlocks: number;
  readonly groupCount: number;
  readonly descSize: number;
  readonly reservedGdtBlocks: number;
  readonly metaBg: boolean;
  readonly firstMetaBg: number;
  readonly sparseSuper: boolean;
  readonly sparseSuper2: readonly [number, number] | null;
  /** 'crc32c' (metadata_csum), 'crc16' (gdt_csum / uninit_bg) or null: also whether BLOCK_UNINIT is honoured. */
  readonly groupChecksum: 'crc32c' | 'crc16' | null;
  readonly csumSeed: number;
  readonly uuid: Uint8Array;
  readonly label: string | null;
  /** Null when cleanly unmounted, else why not and what to do. */
  readonly unclean: string | null;
  readonly journalDevice: boolean;
}

const FS = 'ext';

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function parseExtSuperblock(sb: Uint8Array, volume: Volume): ExtSuperblock {
  const v = dataView(sb);
  if (v.getUint16(56, true) !== 0xef53) throw damaged(FS, 'has no superblock signature');
  const incompat = v.getUint32(96, true);
  const roCompat = v.getUint32(100, true);
  const compat = v.getUint32(92, true);
  const revLevel = v.getUint32(76, true);
  if (revLevel > 1) throw damaged(FS, `has an unknown revision ${revLevel}`);
  const unknown = incompat & ~(INCOMPAT_KNOWN | INCOMPAT_KNOWN_HIGH);
  if (unknown) throw damaged(FS, `uses incompatible features this reader does not know (0x${unknown.toString(16)})`);
  const metadataCsum = (roCompat & RO_METADATA_CSUM) !== 0;
  if (metadataCsum && v.getUint8(373) === 1 && crc32c(0xffffffff, sb.subarray(0, 1020)) !== v.getUint32(1020, true))
    throw damaged(FS, 'superblock fails its checksum');
  const logBlock = v.getUint32(24, true);
  if (logBlock > 6) throw damaged(FS, `has an implausible block size (log ${logBlock})`);
  const blockSize = 1024 << logBlock;
  const bigalloc = (roCompat & RO_BIGALLOC) !== 0;
  const logCluster = bigalloc ? v.getUint32(28, true) : logBlock;
  if (logCluster < logBlock || logCluster > logBlock + 16)
    throw damaged(FS, `has an implausible cluster size (log ${logCluster})`);
  const clusterRatio = 2 ** (logCluster - logBlock);
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const blocksCount = v.getUint32(4, true) + (is64 ? v.getUint32(336, true) * 2 ** 32 : 0);
  const firstDataBlock = v.getUint32(20, true);
  const blocksPerGroup = v.getUint32(32, true);
  const clustersPerGroup = bigalloc ? v.getUint32(36, true) : blocksPerGroup;
  const inodesPerGroup = v.getUint32(40, true);
  const inodeSize = revLevel === 0 ? 128 : v.getUint16(88, true);
  if (firstDataBlock !== (blockSize === 1024 && !bigalloc ? 1 : 0))
    throw damaged(FS, `has an implausible first data block ${firstDataBlock}`);
  if (clustersPerGroup === 0 || clustersPerGroup > blockSize * 8 || clustersPerGroup % 8 !== 0)
    throw damaged(FS, `has an implausible ${clustersPerGroup} clusters per group`);
  if (blocksPerGroup !== clustersPerGroup * clusterRatio)
    throw damaged(FS, `has ${blocksPerGroup} blocks per group, not ${clustersPerGroup} clusters of ${clusterRatio}`);
  if (inodesPerGroup === 0 || inodesPerGroup > blockSize * 8)
    throw damaged(FS, `has an implausible ${inodesPerGroup} inodes per group`);
  if (!isPowerOfTwo(inodeSize) || inodeSize < 128 || inodeSize > blockSize)
    throw damaged(FS, `has an implausible inode size ${inodeSize}`);
  if (!Number.isSafeInteger(blocksCount * blockSize) || blocksCount <= firstDataBlock)
    throw damaged(FS, `has an implausible block count ${blocksCount}`);
  if (blocksCount * blockSize > volume.size)
    throw damaged(FS, `claims ${blocksCount * blockSize} bytes in a volume of ${volume.size}`);
  const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  if (groupCount * inodesPerGroup !== v.getUint32(0, true))
    throw damaged(FS, `counts ${v.getUint32(0, true)} inodes, not ${groupCount} groups of ${inodesPerGroup}`);
  const descSize = is64 ? v.getUint16(254, true) : 32;
  if (!isPowerOfTwo(descSize) || descSize < 32 || descSize > blockSize || (is64 && descSize < 64))
    throw damaged(FS, `has an implausible group descriptor size ${descSize}`);
  const groupChecksum = metadataCsum ? 'crc32c' : roCompat & RO_GDT_CSUM ? 'crc16' : null;
  const uuid = sb.slice(104, 120);
  const csumSeed = incompat & INCOMPAT_CSUM_SEED ? v.getUint32(624, true) : crc32c(0xffffffff, uuid);
  const state = v.getUint16(58, true);
  const unclean =
    incompat & INCOMPAT_RECOVER
      ? 'it needs journal recovery (it was not cleanly unmounted): run `wsl --shutdown` (or shut the Linux guest ' +
        'down cleanly), or run e2fsck on it, then compact again'
      : v.getUint32(232, true) !== 0 || roCompat & RO_ORPHAN_PRESENT
        ? 'it has files still open at its last unmount (an orphan list): shut the guest down cleanly or run e2fsck'
        : !(state & STATE_VALID) || state & STATE_ERRORS
          ? 'it is marked as not cleanly unmounted or as having errors: run `e2fsck -f` on it, then compact again'
          : null;
  const raw = sb.subarray(120, 136);
  const end = raw.indexOf(0);
  const label = new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
  return {
    blockSize,
    clusterRatio,
    blocksCount,
    firstDataBlock,
    blocksPerGroup,
    clustersPerGroup,
    inodesPerGroup,
    inodeTableBlocks: Math.ceil((inodesPerGroup * inodeSize) / blockSize),
    groupCount,
    descSize,
    reservedGdtBlocks: v.getUint16(206, true),
    metaBg: (incompat & INCOMPAT_META_BG) !== 0,
    firstMetaBg: v.getUint32(260, true),
    sparseSuper: (roCompat & RO_SPARSE_SUPER) !== 0,
    sparseSuper2: compat & COMPAT_SPARSE_SUPER2 ? [v.getUint32(588, true), v.getUint32(592, true)] : null,
    groupChecksum,
    csumSeed,
    uuid,
    label: label === '' ? null : label,
    unclean,
    journalDevice: (incompat & INCOMPAT_JOURNAL_DEV) !== 0,
  };
}

function isPowerOf(n: number, base: number): boolean {
  while (n > 1 && n % base === 0) n /= base;
  return n === 1;
}

/** Whether group `g` holds a superblock backup (and, without meta_bg, a copy of the descriptor table). */
export function groupHasSuper(sb: ExtSuperblock, g: number): boolean {
  if (g === 0) return true;
  if (sb.sparseSuper2) return g === sb.sparseSuper2[0] || g === sb.sparseSuper2[1];
  if (!sb.sparseSuper || g === 1) return true;
  return isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}
