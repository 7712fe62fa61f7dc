// `info`'s view of what a disk holds: its partition table and file systems (contents/disk-contents.ts).
import { readDiskContents } from '../contents/disk-contents';
import type { DiskContents } from '../contents/disk-contents';
import { isPlatterError } from '../errors';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';

/** Damage the engine names (a missing parent, a block past the end) leaves the content unknown, not info failed. */
function unknownOn<T>(err: unknown): T | null {
  if (isPlatterError(err)) return null;
  throw err;
}

/** What the disk holds; null when its content cannot be read (a missing parent, a damaged block): info goes on. */
export async function inspectContents(path: string, allowRaw = false): Promise<DiskContents | null> {
  const image = await openImage(path, { allowRaw }).catch(unknownOn<DiskImage>);
  if (!image) return null;
  try {
    return await readDiskContents(image).catch(unknownOn<DiskContents>);
  } finally {
    await image.close();
  }
}
