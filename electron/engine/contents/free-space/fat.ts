// FAT12/16/32 free space: clusters whose FAT entry is 0, mapped to the data region. The FAT is read in bounded
// chunks. Clean needs the clean-shutdown bit of FAT entry 1 (FAT16 bit 15, FAT32 bit 27; FAT12 has none), the
// no-hard-error bit beside it, and the boot sector's dirty flag (Linux's) clear.
import { RangeList, damaged, dataView, readVolume } from './volume';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const FS = 'FAT';
/** Entries read at a time: 64 KiB of a FAT32 table. */
const CHUNK_ENTRIES = 16384;

interface FatLayout {
  readonly kind: 12 | 16 | 32;
  readonly bytesPerSector: number;
  readonly clusterBytes: number;
  readonly fatOffset: number;
  readonly dataOffset: number;
  readonly clusters: number;
  readonly bootDirty: boolean;
  readonly label: string | null;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function parseBoot(boot: Uint8Array, volume: Volume): FatLayout {
  const v = dataView(boot);
  const bytesPerSector = v.getUint16(11, true);
  const perCluster = boot[13]!;
  const reserved = v.getUint16(14, true);
  const fats = boot[16]!;
  const rootEntries = v.getUint16(17, true);
  const total = v.getUint16(19, true) || v.getUint32(32, true);
  const fatSectors = v.getUint16(22, true) || v.getUint32(36, true);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096)
    throw damaged(FS, `has an implausible sector size ${bytesPerSector}`);
  if (!isPowerOfTwo(perCluster) || perCluster * bytesPerSector > 256 * 1024)
    throw damaged(FS, `has an implausible ${perCluster} sectors per cluster`);
  if (reserved === 0 || fats === 0 || fats > 4 || fatSectors === 0)
    throw damaged(FS, 'has an implausible reserved area or FAT count');
  if (total * bytesPerSector > volume.size)
    throw damaged(FS, `claims ${total * bytesPerSector} bytes in a volume of ${volume.size}`);
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataSector = reserved + fats * fatSectors + rootSectors;
  if (dataSector >= total) throw damaged(FS, 'has no data region');
  const clusters = Math.floor((total - dataSector) / perCluster);
  // The count of clusters alone decides the FAT type (Microsoft's rule).
  const kind = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
  if (kind === 32 && v.getUint16(22, true) !== 0) throw damaged(FS, 'is FAT32 by size but keeps a FAT16 table size');
  const entryBits = kind === 12 ? 12 : kind === 16 ? 16 : 32;
  if (Math.ceil(((clusters + 2) * entryBits) / 8) > fatSectors * bytesPerSector)
    throw damaged(FS, `has a FAT too small for its ${clusters} clusters`);
  // FAT32 may mirror no longer and name its one active FAT (extended flags bit 7, low bits).
  const flags = kind === 32 ? v.getUint16(40, true) : 0;
  const active = flags & 0x80 ? flags & 0xf : 0;
  if (active >= fats) throw damaged(FS, `names FAT ${active} as active of ${fats}`);
  const ext = kind === 32 ? 64 : 36;
  const raw = boot.subarray(ext + 7, ext + 18);
  const text = new TextDecoder('latin1').decode(raw).trimEnd();
  return {
    kind,
    bytesPerSector,
    clusterBytes: perCluster * bytesPerSector,
    fatOffset: (reserved + active * fatSectors) * bytesPerSector,
    dataOffset: dataSector * bytesPerSector,
    clusters,
    // BS_Reserved1 (after the drive number) bit 0: Linux marks the volume dirty while mounted.
    bootDirty: boot[ext + 1] !== undefined && (boot[ext + 1]! & 1) === 1 && boot[ext + 2] === 0x29,
    label: text === '' || text === 'NO NAME' ? null : text,
  };
}

/** Entries `from` .. `from + count - 1` of the FAT. */
async function readEntries(
  image: DiskImage,
  volume: Volume,
  fat: FatLayout,
  from: number,
  count: number,
): Promise<Uint32Array> {
  const entries = new Uint32Array(count);
  const firstByte = Math.floor((from * fat.kind) / 8);
  const lastByte = Math.ceil(((from + count) * fat.kind) / 8);
  const bytes = await readVolume(image, volume, fat.fatOffset + firstByte, lastByte - firstByte, FS, 'FAT');
  const v = dataView(bytes);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    if (fat.kind === 32) entries[i] = v.getUint32(i * 4, true) & 0x0fffffff;
    else if (fat.kind === 16) entries[i] = v.getUint16(i * 2, true);
    else {
      const at = Math.floor((n * 3) / 2) - firstByte;
      const pair = bytes[at]! | (bytes[at + 1]! << 8);
      entries[i] = n & 1 ? pair >> 4 : pair & 0xfff;
    }
  }
  return entries;
}

function uncleanReason(fat: FatLayout, entry1: number): string | null {
  const cleanBit = fat.kind === 32 ? 0x08000000 : 0x8000;
  const noErrorBit = fat.kind === 32 ? 0x04000000 : 0x4000;
  const advice = 'run chkdsk (Windows) or `fsck.fat -a` on it, then compact again';
  if (fat.bootDirty || (fat.kind !== 12 && !(entry1 & cleanBit)))
    return `it was not cleanly unmounted (its dirty bit is set): eject it properly, or ${advice}`;
  if (fat.kind !== 12 && !(entry1 & noErrorBit)) return `it recorded disk errors: ${advice}`;
  return null;
}

export async function fatFreeSpace(image: DiskImage, volume: Volume): Promise<FreeSpace> {
  const boot = await readVolume(image, volume, 0, 512, FS, 'boot sector');
  const fat = parseBoot(boot, volume);
  // Entry 1 is read raw (FAT32's top nibble is masked in readEntries, its clean bit is below it).
  const head = await readVolume(image, volume, fat.fatOffset, 8, FS, 'FAT');
  const entry1 =
    fat.kind === 32 ? dataView(head).getUint32(4, true) : fat.kind === 16 ? dataView(head).getUint16(2, true) : 0;
  const out = new RangeList(volume.start + fat.dataOffset + fat.clusters * fat.clusterBytes);
  const base = volume.start + fat.dataOffset;
  let runStart = -1;
  for (let from = 2; from < fat.clusters + 2; from += CHUNK_ENTRIES) {
    const count = Math.min(CHUNK_ENTRIES, fat.clusters + 2 - from);
    const entries = await readEntries(image, volume, fat, from, count);
    for (let i = 0; i < count; i++) {
      const cluster = from + i;
      if (entries[i] === 0) {
        if (runStart < 0) runStart = cluster;
      } else if (runStart >= 0) {
        out.add(base + (runStart - 2) * fat.clusterBytes, (cluster - runStart) * fat.clusterBytes);
        runStart = -1;
      }
    }
  }
  if (runStart >= 0)
    out.add(base + (runStart - 2) * fat.clusterBytes, (fat.clusters + 2 - runStart) * fat.clusterBytes);
  const reason = uncleanReason(fat, entry1);
  return {
    fileSystem: 'vfat',
    label: fat.label,
    clean: reason === null,
    reason,
    unused: out.ranges,
    unusedBytes: out.bytes,
  };
}
