import { createHash } from 'node:crypto';
import { throwIfAborted } from '../errors';
import { openImage } from '../image/open-image';
import type { DiskImage } from '../image/disk-image';
import { pageAlignedBuffer } from '../image/native-addon';
import { progressReporter, yieldToEventLoop } from './progress';
import type { JobControl } from './progress';

export const READ_CHUNK = 1024 * 1024;
const ZERO_YIELD_BYTES = 64 * READ_CHUNK;

export interface HashResult {
  readonly path: string;
  readonly sha256: string;
  readonly virtualSize: number;
}

/** SHA-256 of the virtual disk's content, skipping I/O for runs the image knows are zero. */
export async function hashDisk(image: DiskImage, control: JobControl & { phase?: string } = {}): Promise<string> {
  const hash = createHash('sha256');
  const buffer = pageAlignedBuffer(READ_CHUNK);
  const zeros = new Uint8Array(READ_CHUNK);
  const progress = progressReporter(control, control.phase ?? 'hashing', image.virtualSize);
  for (const extent of await image.extents()) {
    for (let pos = extent.offset; pos < extent.offset + extent.length; pos += READ_CHUNK) {
      throwIfAborted(control.signal);
      const n = Math.min(READ_CHUNK, extent.offset + extent.length - pos);
      if (extent.kind === 'zero') {
        hash.update(zeros.subarray(0, n));
        // Zeros need no I/O: without this a huge empty disk would not see Ctrl-C until the end.
        if ((pos - extent.offset) % ZERO_YIELD_BYTES === 0) await yieldToEventLoop();
      } else {
        const chunk = buffer.subarray(0, n);
        await image.read(chunk, pos);
        hash.update(chunk);
      }
      progress.add(n);
    }
  }
  progress.finish();
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
