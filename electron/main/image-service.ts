// The image channels' work: the path checked as the user's, then the engine's answer.
import { isPlatterError } from '../engine/errors';
import { probeFormat } from '../engine/formats/table';
import { RandomAccessFile } from '../engine/io/random-access-file';
import { checkImage } from '../engine/ops/check';
import { describeImage } from '../engine/ops/chain';
import { HINT_BYTES, notADiskHint } from '../engine/contents/not-a-disk';
import { openImage } from '../engine/image/open-image';
import { inspectContents } from '../engine/ops/contents';
import { imageDetails as detailsOf } from '../engine/ops/image-details';
import type { CheckReport, DetectResult, ImageDetails, RecentImage } from '../../shared/image';
import { checkInputFile } from './path-checks';

export async function detectImage(path: string): Promise<DetectResult> {
  const p = await checkInputFile(path);
  const file = await RandomAccessFile.open(p);
  try {
    const driver = await probeFormat(file);
    const describable = driver.describe !== undefined;
    const contents = describable ? null : await inspectContents(p, true);
    const empty = contents === null || (contents.scheme === null && contents.fileSystem === null);
    return {
      path: p,
      format: driver.format,
      describable,
      fileSize: file.size,
      contents,
      virtualSize: describable ? await virtualSizeOf(p) : file.size,
      notADisk: !describable && empty ? notADiskHint(await headOf(file), file.size) : null,
    };
  } finally {
    await file.close();
  }
}

/** The disk's size as the guest sees it; null when the image does not open (a missing parent, damage). */
async function virtualSizeOf(path: string): Promise<number | null> {
  const image = await openImage(path).catch((err: unknown) => {
    if (isPlatterError(err)) return null;
    throw err;
  });
  if (!image) return null;
  try {
    return image.virtualSize;
  } finally {
    await image.close();
  }
}

async function headOf(file: RandomAccessFile): Promise<Uint8Array> {
  const head = new Uint8Array(Math.min(HINT_BYTES, file.size));
  if (head.length > 0) await file.read(head, 0);
  return head;
}

export async function checkImageFile(path: string): Promise<CheckReport> {
  return checkImage(await checkInputFile(path));
}

export async function imageDetails(path: string): Promise<ImageDetails> {
  return detailsOf(await checkInputFile(path));
}

/** What the recent list keeps about an image; a damaged image is still listed, with what could be read. */
export async function summarizeImage(path: string): Promise<Omit<RecentImage, 'openedAt'>> {
  const { format, describable, fileSize } = await detectImage(path);
  if (!describable) return { path, format, diskType: null, virtualSize: fileSize };
  try {
    const { description } = await describeImage(path);
    return { path, format, diskType: description.diskType, virtualSize: description.virtualSize };
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    return { path, format, diskType: null, virtualSize: null };
  }
}
