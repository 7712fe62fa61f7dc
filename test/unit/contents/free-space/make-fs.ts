// Real file systems made by their own tools for the free-space tests: a sparse raw image, mkfs, files of random
// data written and some deleted by the file system's own tools (debugfs, mtools), and a reader of what those
// tools say is free.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RawImage } from '../../../../electron/engine/formats/raw/raw-image';
import type { DiskImage } from '../../../../electron/engine/image/disk-image';
import { RandomAccessFile } from '../../../../electron/engine/io/random-access-file';
import type { ByteRange } from '../../../../electron/engine/contents/free-space';

export const MiB = 1024 * 1024;

export function sh(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    input,
    maxBuffer: 256 * MiB,
  });
}

export function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A sparse file of `size` bytes. */
export async function sparseFile(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w');
  await handle.truncate(size);
  await handle.close();
}

/** Files of random data in `dir`, named f0, f1, ... of the given sizes. */
export async function randomFiles(dir: string, sizes: readonly number[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const path = join(dir, `f${i}`);
    await writeFile(path, randomBytes(size));
    paths.push(path);
  }
  return paths;
}

export async function openRaw(path: string): Promise<DiskImage> {
  return new RawImage(await RandomAccessFile.open(path, 'r'));
}

/** Adds ranges in order, merging those that touch. */
export function merged(ranges: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.offset + last.length === r.offset)
      out[out.length - 1] = { ...last, length: last.length + r.length };
    else if (r.length > 0) out.push(r);
  }
  return out;
}

/** Whether every range of `inner` lies inside a range of `outer` (both sorted). */
export function within(inner: readonly ByteRange[], outer: readonly ByteRange[]): boolean {
  let j = 0;
  for (const r of inner) {
    while (j < outer.length && outer[j]!.offset + outer[j]!.length <= r.offset) j++;
    const o = outer[j];
    if (!o || o.offset > r.offset || o.offset + o.length < r.offset + r.length) return false;
  }
  return true;
}

/** Whether `offset` lies in one of the sorted `ranges`. */
export function inRanges(ranges: readonly ByteRange[], offset: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (r.offset + r.length <= offset) lo = mid + 1;
    else hi = mid;
  }
  const r = ranges[lo];
  return r !== undefined && r.offset <= offset && offset < r.offset + r.length;
}

/**
 * Where the sectors of the given files of random data lie on the disk, found by their content (a 512-byte sector
 * of random data is unique): an independent account of which bytes live and deleted files hold.
 */
export async function sectorsOf(
  disk: string,
  live: readonly string[],
  deleted: readonly string[],
): Promise<{ live: number[]; deleted: number[] }> {
  const { readFile } = await import('node:fs/promises');
  const keys = new Map<bigint, 'live' | 'deleted'>();
  for (const [files, kind] of [
    [live, 'live'],
    [deleted, 'deleted'],
  ] as const) {
    for (const f of files) {
      const bytes = await readFile(f);
      for (let at = 0; at + 512 <= bytes.length; at += 512) keys.set(bytes.readBigUInt64LE(at), kind);
    }
  }
  const found = { live: [] as number[], deleted: [] as number[] };
  const handle = await open(disk, 'r');
  try {
    const chunk = Buffer.alloc(4 * MiB);
    for (let position = 0; ; position += chunk.length) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      for (let at = 0; at + 512 <= bytesRead; at += 512) {
        const key = chunk.readBigUInt64LE(at);
        if (key === 0n) continue;
        const kind = keys.get(key);
        if (kind) found[kind].push(position + at);
      }
    }
  } finally {
    await handle.close();
  }
  return found;
}
