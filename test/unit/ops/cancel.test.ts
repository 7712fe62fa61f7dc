// Cancelling at any point, or a destination that fails, leaves no output and an intact source.
import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import type { Progress } from '../../../electron/engine/ops/progress';
import { sha256File, writeRaw } from '../../helpers/data';
import { PLATTER_BIN } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

async function bigSource(dir: string): Promise<string> {
  const path = join(dir, 'source.img');
  const pieces: [number, number][] = [];
  for (let i = 0; i < 48; i++) pieces.push([i * MiB, MiB]);
  await writeRaw(path, 64 * MiB, pieces);
  return path;
}

type Run = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<unknown>;

/** Starts `run`, aborts once `when` says so, and expects CANCELLED. */
async function cancelDuring(run: Run, when: (p: Progress) => boolean): Promise<void> {
  const controller = new AbortController();
  const error = await run(controller.signal, (p) => {
    if (when(p)) controller.abort();
  }).catch((e: unknown) => e);
  expect(isPlatterError(error, 'CANCELLED')).toBe(true);
}

const points: [string, (p: Progress) => boolean][] = [
  ['at the first progress report', () => true],
  ['half way', (p) => p.phase === 'converting' && p.done >= p.total / 2],
  ['while verifying', (p) => p.phase === 'verifying'],
];

describe('cancel', () => {
  it.each(points)('convert, %s: no output, source intact', async (_label, when) => {
    const dir = await tempDir();
    const source = await bigSource(dir);
    const hash = await sha256File(source);
    const output = join(dir, 'out.vhd');
    // Every chunk reports (interval 0), so each point is reached however fast the machine is.
    await cancelDuring(
      (signal, onProgress) =>
        convertImage({ input: source, output, verify: true }, { signal, onProgress, progressIntervalMs: 0 }),
      when,
    );
    expect(await readdir(dir)).toEqual(['source.img']);
    expect(await sha256File(source)).toBe(hash);
  });

  it('compact in place: the image is left exactly as it was', async () => {
    const dir = await tempDir();
    const source = await bigSource(dir);
    const image = join(dir, 'disk.vhd');
    await convertImage({ input: source, output: image });
    const hash = await sha256File(image);
    await cancelDuring(
      (signal, onProgress) => compactImage({ path: image }, { signal, onProgress, progressIntervalMs: 0 }),
      (p) => p.done > 0,
    );
    expect((await readdir(dir)).sort()).toEqual(['disk.vhd', 'source.img']);
    expect(await sha256File(image)).toBe(hash);
  });
});

describe('failing destinations', () => {
  it('a missing folder: a clear error naming it, nothing written', async () => {
    const dir = await tempDir();
    const source = await bigSource(dir);
    const error = await convertImage({ input: source, output: join(dir, 'no', 'such', 'out.vhd') }).catch(
      (e: unknown) => e,
    );
    expect(isPlatterError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'no', 'such'));
    expect(await readdir(dir)).toEqual(['source.img']);
  });

  const isRoot = process.getuid?.() === 0;
  const mountPoint = join('/tmp', `platter-full-${process.pid}`);
  const canMount =
    isRoot &&
    process.platform === 'linux' &&
    (() => {
      spawnSync('mkdir', ['-p', mountPoint]);
      return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]).status === 0;
    })();
  afterAll(async () => {
    if (canMount) spawnSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it.runIf(canMount)('no space left: NO_SPACE, and the partial output is removed', async () => {
    const dir = await tempDir();
    const source = await bigSource(dir);
    const error = await convertImage({ input: source, output: join(mountPoint, 'out.vhd') }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'NO_SPACE')).toBe(true);
    expect(await readdir(mountPoint)).toEqual([]);
  });

  it.runIf(isRoot)(
    'no permission to write the folder (as an unprivileged user): ACCESS_DENIED, nothing written',
    async () => {
      const dir = await tempDir();
      const source = await bigSource(dir);
      const locked = join(dir, 'locked');
      await mkdir(locked);
      await chmod(dir, 0o755);
      await chmod(source, 0o644);
      await chmod(locked, 0o555);
      const nobody = 65534;
      const result = await new Promise<{ code: number; stderr: string }>((done) =>
        execFile(
          process.execPath,
          [PLATTER_BIN, 'convert', '-q', source, join(locked, 'out.vhd')],
          { uid: nobody, gid: nobody },
          (err, _out, stderr) => done({ code: err ? Number(err.code) : 0, stderr }),
        ),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^platter: permission denied for .*locked/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readdir(locked)).toEqual([]);
    },
  );
});
