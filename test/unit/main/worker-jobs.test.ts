// Real jobs through real worker threads: the job worker is built with esbuild (as electron-vite builds it for the
// app) and run by the worker runner under the job manager.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events, JobProgress } from '../../../shared/ipc-contract';
import { PROGRESS_INTERVAL_MS } from '../../../shared/units';
import { openImage } from '../../../electron/engine/image/open-image';
import { EventBus } from '../../../electron/main/event-bus';
import { JobManager } from '../../../electron/main/jobs/job-manager';
import { createWorkerRunner } from '../../../electron/main/jobs/worker-runner';
import { useTempDirs } from '../../helpers/temp-dir';
import { writeRawImage } from './helpers';

const MiB = 1024 * 1024;
const root = resolve(__dirname, '../../..');
// Inside the checkout, so the engine finds the sparse-file addon by looking upwards, as it does in out/main.
const buildDir = join(root, 'node_modules/.cache/platter-test-worker', `${process.pid}-${Date.now()}`);
const workerPath = join(buildDir, 'job-worker.mjs');

beforeAll(async () => {
  await mkdir(buildDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'electron/worker/job-worker.ts')],
    outfile: workerPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
});
afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});

function manager() {
  const bus = new EventBus();
  const log: { channel: keyof Events; payload: unknown; at: number }[] = [];
  bus.onAny((channel, payload) => log.push({ channel, payload, at: performance.now() }));
  const jobs = new JobManager({ events: bus, runner: createWorkerRunner({ workerPath }) });
  const outcomes = () => log.filter((e) => e.channel === 'job:done').map((e) => e.payload as Events['job:done']);
  return { jobs, log, outcomes };
}

describe('jobs in worker threads', () => {
  const tempDir = useTempDirs();

  it('converts for real, with throttled progress in order, and the output reads back as the source', async () => {
    const dir = await tempDir();
    const source = join(dir, 'source.img');
    await writeRawImage(source, 96 * MiB);
    const { jobs, log, outcomes } = manager();
    const output = join(dir, 'out.vhd');
    const { id } = jobs.start({ op: 'convert', input: source, output, type: 'fixed', preallocate: true, verify: true });
    await jobs.whenIdle();
    const [outcome] = outcomes();
    expect(outcome).toMatchObject({ jobId: id, state: 'succeeded', error: null });
    expect(outcome!.result).toMatchObject({ output, virtualSize: 96 * MiB, format: 'vhd', diskType: 'fixed' });
    const progress = log.filter((e) => e.channel === 'job:progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS - 5);
    }
    const seqs = progress.map((e) => (e.payload as JobProgress).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(log[log.length - 1]!.channel).toBe('job:done');
    const image = await openImage(output);
    try {
      const bytes = new Uint8Array(1024);
      await image.read(bytes, 50 * MiB);
      const expected = (await readFile(source)).subarray(50 * MiB, 50 * MiB + 1024);
      expect(Buffer.from(bytes).equals(expected)).toBe(true);
    } finally {
      await image.close();
    }
  });

  it('cancel stops a running job and removes its partial output', async () => {
    const dir = await tempDir();
    const { jobs, log, outcomes } = manager();
    const output = join(dir, 'big.vhd');
    // 4 GiB written zero by zero: long enough that it is still running when the cancel arrives.
    const { id } = jobs.start({ op: 'create', path: output, size: 4096 * MiB, type: 'fixed', preallocate: true });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (log.some((e) => e.channel === 'job:progress') || outcomes().length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    expect(jobs.cancel(id)).toBe(true);
    await jobs.whenIdle();
    const [outcome] = outcomes();
    expect(outcome).toMatchObject({ jobId: id, state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(existsSync(output)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('runs two jobs one after the other', async () => {
    const dir = await tempDir();
    const { jobs, log } = manager();
    const a = jobs.start({ op: 'create', path: join(dir, 'a.vhd'), size: 64 * MiB });
    const b = jobs.start({ op: 'create', path: join(dir, 'b.vhd'), size: 32 * MiB, type: 'fixed' });
    await jobs.whenIdle();
    const order = log
      .filter((e) => e.channel === 'job:started' || e.channel === 'job:done')
      .map((e) => `${e.channel} ${(e.payload as { jobId: string }).jobId}`);
    expect(order).toEqual([`job:started ${a.id}`, `job:done ${a.id}`, `job:started ${b.id}`, `job:done ${b.id}`]);
    expect(jobs.list().map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    expect((await stat(join(dir, 'b.vhd'))).size).toBe(32 * MiB + 512);
  });

  it('a failing job reports the engine typed error across the thread', async () => {
    const dir = await tempDir();
    const { jobs, outcomes } = manager();
    jobs.start({ op: 'hash', path: join(dir, 'missing.vhd') });
    const source = join(dir, 'x.img');
    await writeRawImage(source, MiB);
    // A differencing child of a raw disk: the engine refuses it (its parent must be a VHD).
    jobs.start({ op: 'create', path: join(dir, 'x-child.vhd'), parent: source });
    await jobs.whenIdle();
    const [missing, rawParent] = outcomes();
    expect(missing).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    expect(missing!.error!.message).toContain('missing.vhd');
    expect(missing!.error!.remedy).toBeTruthy();
    expect(rawParent).toMatchObject({ state: 'failed', error: { message: expect.stringContaining('x.img') } });
    expect(rawParent!.error!.code).not.toBe('INTERNAL');
    expect(await readdir(dir)).toEqual(['x.img']);
  });
});
