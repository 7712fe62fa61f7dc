// Files for the end-to-end tests: fixture copies (the shared folder is never written) and raw disks.
import { rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { copyFixture as copyUnpacked } from '../helpers/fixtures';

/** Copies the unpacked fixture `file` into `dir` (as `name`), companions beside it; returns the copy's path. */
export async function copyFixture(file: string, dir: string, name = basename(file)): Promise<string> {
  const copy = await copyUnpacked(file, dir);
  if (name === basename(file)) return copy;
  await rename(copy, join(dir, name));
  return join(dir, name);
}

/** A raw disk of `size` bytes with 1 MiB of distinct data every `stride` bytes (holes between). Fast to write. */
export async function writeDataRaw(path: string, size: number, stride: number): Promise<void> {
  const { open } = await import('node:fs/promises');
  const { randomBytes } = await import('node:crypto');
  const chunk = randomBytes(1024 * 1024);
  const file = await open(path, 'w');
  try {
    await file.truncate(size);
    for (let offset = 0, i = 0; offset + chunk.length <= size; offset += stride, i++) {
      chunk.writeUInt32LE(i, 0);
      await file.write(chunk, 0, chunk.length, offset);
    }
  } finally {
    await file.close();
  }
}

/** SHA-256 of a whole file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
