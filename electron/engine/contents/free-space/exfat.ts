// exFAT free space: the allocation bitmap named by the root directory's bitmap entry (the active one of two on a
// TexFAT volume), read in bounded chunks. The boot region's checksum is checked first; clean needs VolumeDirty
// and MediaFailure clear. The bitmap is then checked against the directory tree (exfat-tree.ts).
import { RangeList, addClearBits, damaged, dataView, readVolume, u64le } from './volume';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';
import { ExfatTree, checkUsedNotFree } from './exfat-tree';

const FS = 'exFAT';
const BITMAP_ENTRY = 0x81;
const LABEL_ENTRY = 0x83;
const END_OF_DIRECTORY = 0x00;
/** The root directory entries read before giving up on finding the bitmap (mkfs puts it first). */
const MAX_ROOT_CLUSTERS = 64;
const CHUNK = 64 * 1024;

interface ExfatLayout {
  readonly sectorBytes: number;
  readonly clusterBytes: number;
  readonly fatOffset: number;
  readonly heapOffset: number;
  readonly clusterCount: number;
  readonly rootCluster: number;
  readonly flags: number;
}

function parseBoot(boot: Uint8Array, volume: Volume): ExfatLayout {
  const v = dataView(boot);
  const sectorShift = boot[108]!;
  const clusterShift = boot[109]!;
  if (sectorShift < 9 || sectorShift > 12 || clusterShift > 25 - sectorShift)
    throw damaged(FS, `has an implausible sector or cluster size (shifts ${sectorShift}, ${clusterShift})`);
  if (boot.subarray(11, 64).some((b) => b !== 0)) throw damaged(FS, 'boot sector has bytes set that must be zero');
  const sectorBytes = 2 ** sectorShift;
  const perCluster = 2 ** clusterShift;
  const volumeSectors = u64le(v, 72);
  const fatOffset = v.getUint32(80, true);
  const fatLength = v.getUint32(84, true);
  const heapOffset = v.getUint32(88, true);
  const clusterCount = v.getUint32(92, true);
  const rootCluster = v.getUint32(96, true);
  const fats = boot[110]!;
  if (volumeSectors === null || volumeSectors * sectorBytes > volume.size)
    throw damaged(FS, `claims more sectors (${volumeSectors}) than its volume of ${volume.size} bytes holds`);
  if (fats < 1 || fats > 2 || fatOffset < 24 || fatLength === 0 || heapOffset < fatOffset + fats * fatLength)
    throw damaged(FS, 'has an implausible FAT or cluster heap placement');
  if (clusterCount === 0 || clusterCount > 0xfffffff5 || heapOffset + clusterCount * perCluster > volumeSectors)
    throw damaged(FS, `has ${clusterCount} clusters, more than its volume holds`);
  if ((clusterCount + 2) * 4 > fatLength * sectorBytes) throw damaged(FS, 'has a FAT too small for its clusters');
  if (rootCluster < 2 || rootCluster >= clusterCount + 2) throw damaged(FS, `has its root at cluster ${rootCluster}`);
  return {
    sectorBytes,
    clusterBytes: sectorBytes * perCluster,
    fatOffset: fatOffset * sectorBytes,
    heapOffset: heapOffset * sectorBytes,
    clusterCount,
    rootCluster,
    flags: v.getUint16(106, true),
  };
}

/** The boot region's checksum (sector 11 repeats it), over sectors 0-10 without VolumeFlags and PercentInUse. */
async function checkBootChecksum(image: DiskImage, volume: Volume, sectorBytes: number): Promise<void> {
  const region = await readVolume(image, volume, 0, 12 * sectorBytes, FS, 'boot region');
  let sum = 0;
  for (let i = 0; i < 11 * sectorBytes; i++) {
    if (i === 106 || i === 107 || i === 112) continue;
    sum = ((sum & 1 ? 0x80000000 : 0) + (sum >>> 1) + region[i]!) >>> 0;
  }
  const stored = dataView(region.subarray(11 * sectorBytes));
  for (let at = 0; at < sectorBytes; at += 4)
    if (stored.getUint32(at, true) !== sum) throw damaged(FS, 'boot region fails its checksum');
}

function clusterOffset(fs: ExfatLayout, cluster: number): number {
  return fs.heapOffset + (cluster - 2) * fs.clusterBytes;
}

interface RootFindings {
  readonly bitmapCluster: number;
  readonly bitmapLength: number;
  readonly label: string | null;
}

async function readRoot(image: DiskImage, volume: Volume, fs: ExfatLayout): Promise<RootFindings> {
  const activeBitmap = fs.flags & 1;
  let bitmap: { cluster: number; length: number } | null = null;
  let label: string | null = null;
  let cluster = fs.rootCluster;
  for (let n = 0; n < MAX_ROOT_CLUSTERS; n++) {
    const bytes = await readVolume(image, volume, clusterOffset(fs, cluster), fs.clusterBytes, FS, 'root directory');
    const v = dataView(bytes);
    for (let at = 0; at < bytes.length; at += 32) {
      const type = bytes[at]!;
      if (type === END_OF_DIRECTORY) return finish();
      if (type === BITMAP_ENTRY && (bytes[at + 1]! & 1) === activeBitmap) {
        const length = u64le(v, at + 24);
        if (length === null) throw damaged(FS, 'has an implausible allocation bitmap length');
        bitmap = { cluster: v.getUint32(at + 20, true), length };
      } else if (type === LABEL_ENTRY) {
        const count = Math.min(bytes[at + 1]!, 11);
        label = new TextDecoder('utf-16le').decode(bytes.subarray(at + 2, at + 2 + count * 2)) || null;
      }
    }
    const fat = await readVolume(image, volume, fs.fatOffset + cluster * 4, 4, FS, 'FAT');
    const next = dataView(fat).getUint32(0, true);
    if (next < 2 || next >= fs.clusterCount + 2) break; // end of chain (or a bad one): stop reading
    cluster = next;
  }
  return finish();

  function finish(): RootFindings {
    if (!bitmap) throw damaged(FS, 'root directory has no allocation bitmap entry');
    return { bitmapCluster: bitmap.cluster, bitmapLength: bitmap.length, label };
  }
}

export async function exfatFreeSpace(image: DiskImage, volume: Volume): Promise<FreeSpace> {
  const boot = await readVolume(image, volume, 0, 512, FS, 'boot sector');
  const fs = parseBoot(boot, volume);
  await checkBootChecksum(image, volume, fs.sectorBytes);
  const root = await readRoot(image, volume, fs);
  const needed = Math.ceil(fs.clusterCount / 8);
  const bitmapClusters = Math.ceil(needed / fs.clusterBytes);
  if (root.bitmapLength < needed || root.bitmapCluster < 2 || root.bitmapCluster + bitmapClusters > fs.clusterCount + 2)
    throw damaged(FS, 'has an allocation bitmap that does not cover its clusters or lies outside them');
  // The bitmap is contiguous (as the Linux driver reads it): bit i stands for cluster i + 2.
  const out = new RangeList(volume.start + clusterOffset(fs, fs.clusterCount + 2));
  const start = clusterOffset(fs, root.bitmapCluster);
  for (let byte = 0; byte < needed; byte += CHUNK) {
    const length = Math.min(CHUNK, needed - byte);
    const chunk = await readVolume(image, volume, start + byte, length, FS, 'allocation bitmap');
    const bits = Math.min(length * 8, fs.clusterCount - byte * 8);
    addClearBits(out, chunk, bits, byte * 8, fs.clusterBytes, volume.start + fs.heapOffset);
  }
  const used = await new ExfatTree(image, volume, fs).usedRuns();
  const toByte = (cluster: number) => volume.start + clusterOffset(fs, cluster);
  checkUsedNotFree(used, out.ranges, toByte, fs.clusterBytes);
  const reason =
    fs.flags & 0x2
      ? 'it was not cleanly unmounted (VolumeDirty is set): eject it properly, or run chkdsk or `fsck.exfat`'
      : fs.flags & 0x4
        ? 'it recorded media failures (MediaFailure is set): run chkdsk or `fsck.exfat -a` on it first'
        : null;
  return {
    fileSystem: 'exfat',
    label: root.label,
    clean: reason === null,
    reason,
    unused: out.ranges,
    unusedBytes: out.bytes,
  };
}
