// Deterministic test data: raw disks with data, holes and zero runs in known places.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

/** Pseudo-random bytes from a seed (SHA-256 in counter mode): the same seed always gives the same bytes. */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, n = 0; i < length; i += 32, n++) createHash('sha256').update(`${seed}:${n}`).digest().copy(out, i);
  return out;
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
