// Free space inside a volume: which byte ranges its file system does not use, and whether that can be trusted.
// The file system is found by the one probe (contents/file-systems.ts); each reader is one file here. A file
// system without a reader (XFS, Btrfs, ...) gives null: its volume is kept whole.
import { readDiskContents } from '../disk-contents';
import { PROBE_BYTES, probeFileSystem } from '../file-systems';
import { exfatFreeSpace } from './exfat';
import { extFreeSpace } from './ext';
import { fatFreeSpace } from './fat';
import { ntfsFreeSpace } from './ntfs';
import { swapFreeSpace } from './swap';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

export type { ByteRange, FreeSpace, FreeSpaceFileSystem, Volume } from './volume';

/** The free space of the file system in `volume`, null when it is none this module reads. */
export async function readFreeSpace(image: DiskImage, volume: Volume): Promise<FreeSpace | null> {
  const size = Math.max(0, Math.min(PROBE_BYTES, volume.size, image.virtualSize - volume.start));
  const head = new Uint8Array(size);
  if (size > 0) await image.read(head, volume.start);
  const found = probeFileSystem(head);
  switch (found?.type) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      return extFreeSpace(image, volume, found.type);
    case 'vfat':
      return fatFreeSpace(image, volume);
    case 'exfat':
      return exfatFreeSpace(image, volume);
    case 'ntfs':
      return ntfsFreeSpace(image, volume);
    case 'swap':
      return swapFreeSpace(image, volume, found.label);
    default:
      return null;
  }
}

/** A volume of the disk (a partition, or the whole disk when it has no table) and what its file system leaves. */
export interface VolumeFreeSpace {
  readonly volume: Volume;
  /** The partition's number in its table; null for a whole-disk file system. */
  readonly partition: number | null;
  /** Null when its file system is none this module reads (its volume is then kept whole). */
  readonly freeSpace: FreeSpace | null;
}

/** Every volume the partition reader finds (contents/disk-contents.ts), with its free space. */
export async function readDiskFreeSpace(image: DiskImage): Promise<VolumeFreeSpace[]> {
  const contents = await readDiskContents(image);
  if (contents.fileSystem) {
    const volume = { start: 0, size: image.virtualSize };
    return [{ volume, partition: null, freeSpace: await readFreeSpace(image, volume) }];
  }
  const found: VolumeFreeSpace[] = [];
  for (const p of contents.partitions) {
    const volume = { start: p.start, size: p.size };
    found.push({ volume, partition: p.number, freeSpace: p.fileSystem ? await readFreeSpace(image, volume) : null });
  }
  return found;
}
