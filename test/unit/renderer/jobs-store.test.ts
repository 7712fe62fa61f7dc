// The jobs store: follows main's events in order, resolves waiters on job:done, and reports refusals.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError, setApi } from '../../../renderer/src/api';
import { jobPercent, useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import type { JobInfo, JobProgress } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const request = { op: 'hash', path: '/d/disk.vhd' } as const;
const queued: JobInfo = {
  id: 'j1',
  op: 'hash',
  request,
  state: 'queued',
  queuedAt: 1,
  startedAt: null,
  finishedAt: null,
  progress: null,
  result: null,
  error: null,
};
const progress = (seq: number, done: number): JobProgress => ({
  jobId: 'j1',
  seq,
  phase: 'hashing',
  done,
  total: 100,
  bytesPerSecond: 10,
  fraction: done / 100,
  etaSeconds: (100 - done) / 10,
  elapsedMs: seq * 250,
});

let fake: FakeApi;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeApi();
  fake.answer('listJobs', () => ok([]));
  setApi(fake.api);
});

describe('useJobsStore', () => {
  it('applies added, started, progress (ignoring stale seq) and done', async () => {
    const jobs = useJobsStore();
    await jobs.load();
    fake.emit('job:added', queued);
    expect(jobs.running).toHaveLength(1);
    fake.emit('job:started', { jobId: 'j1', startedAt: 5 });
    expect(jobs.byId('j1')?.state).toBe('running');
    fake.emit('job:progress', progress(2, 40));
    fake.emit('job:progress', progress(1, 10));
    expect(jobPercent(jobs.byId('j1')!)).toBe(40);
    const waiting = jobs.whenDone('j1');
    const result = { path: '/d/disk.vhd', sha256: 'ab'.repeat(32), virtualSize: 100 };
    fake.emit('job:done', {
      jobId: 'j1',
      op: 'hash',
      state: 'succeeded',
      result,
      error: null,
      startedAt: 5,
      finishedAt: 9,
      durationMs: 4,
      progress: progress(3, 100),
    });
    expect((await waiting).result).toEqual(result);
    expect(jobs.byId('j1')).toMatchObject({ state: 'succeeded', result, finishedAt: 9 });
    expect(jobPercent(jobs.byId('j1')!)).toBe(100);
    expect(jobs.finished).toHaveLength(1);
    expect(await jobs.whenDone('j1')).toMatchObject({ state: 'succeeded' });
  });

  it('loads the jobs main already has, once each', async () => {
    fake.answer('listJobs', () => ok([queued]));
    const jobs = useJobsStore();
    await jobs.load();
    fake.emit('job:added', queued);
    expect(jobs.jobs).toHaveLength(1);
  });

  it("start returns the job id, and throws main's refusal as an ApiError", async () => {
    const jobs = useJobsStore();
    fake.answer('startJob', () => ok({ jobId: 'j7' }));
    expect(await jobs.start(request)).toBe('j7');
    fake.answer('startJob', () => ({ ok: false, error: { code: 'FILE_EXISTS', message: 'x exists' } }));
    const err = await jobs.start(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).error.code).toBe('FILE_EXISTS');
  });

  it('clearFinished keeps what main keeps', async () => {
    const jobs = useJobsStore();
    jobs.added(queued);
    jobs.added({ ...queued, id: 'j2', state: 'failed' });
    fake.answer('clearFinishedJobs', () => ok([queued]));
    await jobs.clearFinished();
    expect(jobs.jobs.map((j) => j.id)).toEqual(['j1']);
  });
});

describe('what the Jobs panel lists', () => {
  it('leaves out a job a wizard shows, even when main announces it before it answers, and dry runs', async () => {
    const jobs = useJobsStore();
    await jobs.load();
    const repair = { op: 'repair', path: '/d/disk.vhd' } as const;
    // Main validates the request and sends its own copy, fields in another order, before the answer.
    fake.answer('startJob', () => {
      fake.emit('job:added', {
        ...queued,
        id: 'j2',
        op: 'repair',
        request: { path: '/d/disk.vhd', op: 'repair' },
      } as JobInfo);
      expect(jobs.listed.map((j) => j.id)).toEqual([]);
      return ok({ jobId: 'j2' });
    });
    expect(await jobs.start(repair, true)).toBe('j2');
    fake.emit('job:added', { ...queued, id: 'j3', op: 'repair', request: { ...repair, dryRun: true } } as JobInfo);
    fake.emit('job:added', queued);
    expect(jobs.listed.map((j) => j.id)).toEqual(['j1']);
    jobs.hide('j2');
    expect(jobs.listed.map((j) => j.id)).toEqual(['j2', 'j1']);
  });
});
