// `info`'s view of what a disk holds: its partition table and file systems (contents/disk-contents.ts).
import { readDiskContents } from '../contents/disk-contents';
import type { DiskContents } from '../contents/disk-contents';
import { isPlatterError } from '../errors';
import { openImage } from '../image/open-image';

/** What the disk holds; null when its content cannot be read (a missing or damaged parent, say): info goes on. */
export async function inspectContents(path: string): Promise<DiskContents | null> {
  const image = await openImage(path).catch((err: unknown) => {
    if (isPlatterError(err)) return null;
    throw err;
  });
  if (!image) return null;
  try {
    return await readDiskContents(image);
  } finally {
    await image.close();
  }
}
