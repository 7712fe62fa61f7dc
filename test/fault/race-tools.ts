// What the race tests need: a large image that is quick to make yet slow to read, the `platter` command run in
// the background, and a way to tell when it has the image open.
import { spawn } from 'node:child_process';
import { open, readdir, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createImage } from '../../electron/engine/ops/create';
import { PLATTER_BIN } from '../helpers/cli';
import { layoutOf } from '../unit/check/damage';

export const MiB = 1024 * 1024;
export const BLOCK = 2 * MiB;

/**
 * A dynamic VHD of `size` bytes whose blocks from `zeroFrom` on are allocated but hold a hole in the file: made in
 * an instant, read as zeros by everyone, and every reader still has to read them (a shrink checks them for data,
 * compact for zeros, hash and convert for content).
 */
export async function sparseBigVhd(path: string, size: number, zeroFrom: number): Promise<void> {
  await createImage({ path, size, type: 'dynamic' });
  const layout = await layoutOf(path);
  const first = zeroFrom / BLOCK;
  const count = size / BLOCK - first;
  const dataStart = layout.fileSize - 512;
  const stride = layout.bitmapSize + BLOCK;
  const file = await open(path, 'r+');
  try {
    const footer = Buffer.alloc(512);
    await file.read(footer, 0, 512, dataStart);
    const entries = Buffer.alloc(count * 4);
    const bitmap = Buffer.alloc(layout.bitmapSize, 0xff);
    for (let i = 0; i < count; i++) {
      entries.writeUInt32BE((dataStart + i * stride) / 512, i * 4);
      await file.write(bitmap, 0, bitmap.length, dataStart + i * stride);
    }
    await file.write(footer, 0, 512, dataStart + count * stride);
    await file.write(entries, 0, entries.length, layout.tableOffset + first * 4);
  } finally {
    await file.close();
  }
}

export interface Background {
  readonly pid: number;
  /** Resolves when the command has exited, with when (performance.now()). */
  readonly done: Promise<{ code: number; stdout: string; stderr: string; at: number }>;
}

/** Starts `platter args` in the background. */
export function startPlatter(...args: string[]): Background {
  const child = spawn(process.execPath, [PLATTER_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number; stdout: string; stderr: string; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, at: performance.now() })),
  );
  return { pid: child.pid!, done };
}

/** Waits until process `pid` has `path` open; false if it exits (or `timeoutMs` passes) first. */
export async function waitUntilOpen(pid: number, path: string, timeoutMs = 10_000): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => null);
    if (!fds) return false;
    for (const fd of fds) if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === path) return true;
    await sleep(5);
  }
  return false;
}

export const IN_USE = /in use by another program|being changed by another Platter/;
