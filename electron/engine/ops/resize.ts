import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { DiskType } from '../formats/vhd/footer';
import { FORMAT_DRIVERS, driverFor, joinedWithOr } from '../formats/table';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import { pumpContent } from './content-pump';
import type { JobControl } from './progress';
import { rollBack } from '../io/undo-journal';

export interface ResizeOptions {
  readonly path: string;
  readonly size: number;
}

export interface ResizeResult {
  readonly path: string;
  readonly diskType: DiskType;
  readonly oldSize: number;
  readonly newSize: number;
  /** How it was done: in place, or by writing the file anew (a dynamic disk whose BAT had no room). */
  readonly method: 'unchanged' | 'in place' | 'rewritten';
  /** The name of an interrupted earlier operation that was rolled back first, if any. */
  readonly rolledBack: string | null;
}

/** Throws unless everything the disk holds past `from` reads as zeros. */
async function checkTailIsZero(image: DiskImage, from: number, control: JobControl): Promise<void> {
  // The pump emits only runs holding a non-zero byte: the first one is data the shrink would cut off.
  await pumpContent(
    image,
    (data, position) => {
      const at = position + data.findIndex((b) => b !== 0);
      throw new PlatterError(
        'SHRINK_LOSES_DATA',
        `${image.path} holds data at byte ${at}, past the new end at ${from}; nothing was changed`,
        'choose a size that keeps all the data (shrink the partitions inside the disk first)',
        { path: image.path, offset: at },
      );
    },
    { ...(control.signal && { signal: control.signal }), phase: 'checking the end of the disk', from },
  );
}

/**
 * Grows or shrinks an image, the way its format's driver does it (its `resizing`). Shrinking is refused,
 * changing nothing, when data would be cut. The image is claimed before it is first read, so no write another
 * program makes meanwhile is lost; an earlier change cut short is rolled back first.
 */
export async function resizeImage(options: ResizeOptions, control: JobControl = {}): Promise<ResizeResult> {
  const path = resolve(options.path);
  const rolledBack = await rollBack(path);
  const image = await openImage(path, { claim: true });
  let closed = false;
  const release = async () => {
    await image.close();
    closed = true;
  };
  try {
    const { resizing, name } = driverFor(image.format);
    if (!resizing)
      throw new PlatterError(
        'UNSUPPORTED',
        `${path} is a ${name}, which Platter cannot resize`,
        `resize works on ${joinedWithOr(FORMAT_DRIVERS.filter((d) => d.resizing).map((d) => d.name))} images; convert it to one of those first`,
        { path },
      );
    const diskType = resizing.check(image, options.size);
    return await resizeWith(image, options.size, diskType, rolledBack, control, (newSize) =>
      resizing.resize(image, newSize, control, release),
    );
  } finally {
    if (!closed) await image.close();
  }
}

/**
 * What every resize does around the change itself: nothing when the size is the same, the check that a shrink
 * cuts off only zeros, and the result.
 */
async function resizeWith(
  image: DiskImage,
  newSize: number,
  diskType: DiskType,
  rolledBack: string | null,
  control: JobControl,
  change: (newSize: number) => Promise<ResizeResult['method']>,
): Promise<ResizeResult> {
  const base = { path: image.path, diskType, oldSize: image.virtualSize, newSize, rolledBack };
  if (newSize === image.virtualSize) return { ...base, method: 'unchanged' };
  if (newSize < image.virtualSize) await checkTailIsZero(image, newSize, control);
  return { ...base, method: await change(newSize) };
}
