// Deterministic test data: raw disks with data, holes and zero runs in known places.
import { createCipheriv, createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

/** Pseudo-random bytes from a seed (AES-128 in counter mode, keyed by the seed): same seed, same bytes. */
export function seededBytes(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** Writes a sparse raw file of `size` bytes holding random data at each [offset, length]. */
export async function writeRaw(
  path: string,
  size: number,
  pieces: readonly [number, number][],
  seed = 'raw',
): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.truncate(size);
    for (const [i, [offset, length]] of pieces.entries())
      await file.write(seededBytes(`${seed}-${i}`, length), 0, length, offset);
  } finally {
    await file.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
