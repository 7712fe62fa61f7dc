// A VHD is known by its footer's cookie at the end (or one byte short of it, as some tools write it), or by the
// footer's copy at the start when the end is damaged.
import { RandomAccessFile } from '../../io/random-access-file';
import { FOOTER_SIZE, hasFooterCookie } from './footer';
import { readVhdStructure } from './vhd-structure';

export async function probeVhd(file: RandomAccessFile): Promise<boolean> {
  const size = file.size;
  if (size >= FOOTER_SIZE && hasFooterCookie(await file.readAt(size - FOOTER_SIZE, 8))) return true;
  if (size >= FOOTER_SIZE - 1 && hasFooterCookie(await file.readAt(size - FOOTER_SIZE + 1, 8))) return true;
  return size >= FOOTER_SIZE && hasFooterCookie(await file.readAt(0, 8));
}

/** The UUID of the VHD at `path` (what a child's link names), or null when it is not a readable VHD. */
export async function readVhdUuid(path: string): Promise<string | null> {
  let file: RandomAccessFile | undefined;
  try {
    file = await RandomAccessFile.open(path);
    if (!(await probeVhd(file))) return null;
    return (await readVhdStructure(file)).footer.uuid;
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}
