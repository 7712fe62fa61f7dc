import { createHash } from 'node:crypto';
import { openImage } from '../image/open-image';
import type { DiskImage } from '../image/disk-image';
import { pumpContent } from './content-pump';
import type { JobControl } from './progress';

export interface HashResult {
  readonly path: string;
  readonly sha256: string;
  readonly virtualSize: number;
}

/** SHA-256 of the virtual disk's content, through the content pump (no I/O for runs the image knows are zero). */
export async function hashDisk(image: DiskImage, control: JobControl & { phase?: string } = {}): Promise<string> {
  const hash = createHash('sha256');
  await pumpContent(image, () => Promise.resolve(), { ...control, phase: control.phase ?? 'hashing', hash });
  return hash.digest('hex');
}

export interface HashOptions {
  /** Hash an image another program is writing anyway (the hash may then match no moment of it). */
  readonly forceShare?: boolean;
}

export async function hashImage(
  path: string,
  control: JobControl = {},
  options: HashOptions = {},
): Promise<HashResult> {
  const image = await openImage(path, { consistent: !options.forceShare });
  try {
    return { path: image.path, sha256: await hashDisk(image, control), virtualSize: image.virtualSize };
  } finally {
    await image.close();
  }
}
