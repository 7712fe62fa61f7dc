// NTFS free space: $Bitmap (MFT record 6), its unnamed $DATA read through its data runs in bounded chunks, one bit
// per cluster. Clean needs the dirty flag of $Volume's VOLUME_INFORMATION clear, nothing to replay in $LogFile and
// no hibernation image in use.
import { hibernation } from './ntfs-hiberfile';
import { journalState } from './ntfs-logfile';
import { FS, attributes, fixedUp, readStream, unnamed } from './ntfs-records';
import type { Attribute, NtfsGeometry } from './ntfs-records';
import { RangeList, addClearBits, damaged, dataView, readVolume, u64le } from './volume';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const VOLUME_RECORD = 3;
const BITMAP_RECORD = 6;
const VOLUME_NAME = 0x60;
const VOLUME_INFORMATION = 0x70;
const DATA = 0x80;
const VOLUME_DIRTY = 0x0001;
const CHUNK = 64 * 1024;

function recordSize(raw: number, clusterBytes: number): number {
  const signed = raw > 127 ? raw - 256 : raw;
  return signed < 0 ? (-signed <= 20 ? 2 ** -signed : 0) : signed * clusterBytes;
}

function parseBoot(boot: Uint8Array, volume: Volume): NtfsGeometry {
  const v = dataView(boot);
  const sectorBytes = v.getUint16(11, true);
  const raw = boot[13]!;
  const perCluster = raw > 0x80 ? 2 ** (256 - raw) : raw;
  const clusterBytes = sectorBytes * perCluster;
  const totalSectors = u64le(v, 40);
  const mftLcn = u64le(v, 48);
  if (![512, 1024, 2048, 4096].includes(sectorBytes) || boot[510] !== 0x55 || boot[511] !== 0xaa)
    throw damaged(FS, `boot sector is implausible (sector size ${sectorBytes})`);
  if (perCluster === 0 || (perCluster & (perCluster - 1)) !== 0 || clusterBytes > 2 * 1024 * 1024)
    throw damaged(FS, `has an implausible cluster size (${raw} sectors per cluster)`);
  if (totalSectors === null || totalSectors === 0 || totalSectors * sectorBytes > volume.size)
    throw damaged(FS, `claims ${totalSectors} sectors in a volume of ${volume.size} bytes`);
  const totalClusters = Math.floor(totalSectors / perCluster);
  const recordBytes = recordSize(boot[64]!, clusterBytes);
  const indexBlockBytes = recordSize(boot[68]!, clusterBytes);
  const plausible = (n: number) => n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
  if (!plausible(recordBytes) || !plausible(indexBlockBytes))
    throw damaged(FS, `has an implausible MFT record (${recordBytes}) or index block (${indexBlockBytes}) size`);
  if (mftLcn === null || mftLcn >= totalClusters) throw damaged(FS, `places its MFT at cluster ${mftLcn}`);
  return { clusterBytes, totalClusters, recordBytes, indexBlockBytes, mftOffset: mftLcn * clusterBytes };
}

function nonResidentData(attrs: readonly Attribute[], what: string): Attribute {
  const data = unnamed(attrs, DATA);
  if (!data || data.resident || data.runs.length === 0) throw damaged(FS, `${what} has no data runs in its record`);
  return data;
}

export async function ntfsFreeSpace(image: DiskImage, volume: Volume): Promise<FreeSpace> {
  const boot = await readVolume(image, volume, 0, 512, FS, 'boot sector');
  const geometry = parseBoot(boot, volume);
  const size = geometry.recordBytes;
  const first = await readVolume(image, volume, geometry.mftOffset, size, FS, 'MFT');
  const mft = nonResidentData(attributes(fixedUp(first, 'FILE', '$MFT'), geometry.totalClusters), '$MFT');
  const readRecord = async (n: number): Promise<Uint8Array> => {
    if (!Number.isSafeInteger(n) || (n + 1) * size > mft.dataSize) throw damaged(FS, `has no MFT record ${n}`);
    const bytes = await readStream(image, volume, geometry, mft.runs, n * size, size);
    return fixedUp(bytes, 'FILE', `MFT record ${n}`);
  };
  const bitmap = nonResidentData(attributes(await readRecord(BITMAP_RECORD), geometry.totalClusters), '$Bitmap');
  const needed = Math.ceil(geometry.totalClusters / 8);
  const covered = bitmap.runs.reduce((end, r) => Math.max(end, (r.vcn + r.length) * geometry.clusterBytes), 0);
  if (bitmap.initializedSize < needed || covered < needed || bitmap.runs.some((r) => r.lcn === null))
    throw damaged(FS, '$Bitmap does not cover every cluster of the volume');
  const out = new RangeList(volume.start + geometry.totalClusters * geometry.clusterBytes);
  for (let byte = 0; byte < needed; byte += CHUNK) {
    const length = Math.min(CHUNK, needed - byte);
    const chunk = await readStream(image, volume, geometry, bitmap.runs, byte, length);
    const bits = Math.min(length * 8, geometry.totalClusters - byte * 8);
    addClearBits(out, chunk, bits, byte * 8, geometry.clusterBytes, volume.start);
  }
  const volumeAttrs = attributes(await readRecord(VOLUME_RECORD), geometry.totalClusters);
  const info = unnamed(volumeAttrs, VOLUME_INFORMATION);
  if (!info || !info.resident || info.value.length < 12) throw damaged(FS, '$Volume has no volume information');
  const name = unnamed(volumeAttrs, VOLUME_NAME);
  const label = name?.resident ? new TextDecoder('utf-16le').decode(name.value) : '';
  const dirty = (dataView(info.value).getUint16(10, true) & VOLUME_DIRTY) !== 0;
  const reason = dirty
    ? 'it is marked dirty (not cleanly unmounted, or Windows scheduled a check): run `chkdsk /f` in Windows ' +
      '(or boot Windows and shut it down fully), then compact again'
    : ((await journalState(image, volume, geometry, readRecord)) ??
      (await hibernation(image, volume, geometry, readRecord)));
  return {
    fileSystem: 'ntfs',
    label: label === '' ? null : label,
    clean: reason === null,
    reason,
    unused: out.ranges,
    unusedBytes: out.bytes,
  };
}
