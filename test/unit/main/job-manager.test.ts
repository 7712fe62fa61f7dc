// The job queue with a scripted runner: throttled, ordered progress; one job at a time; cancel; typed errors.
import { describe, expect, it } from 'vitest';
import type { Events, JobProgress, JobRequest, JobResult } from '../../../shared/ipc-contract';
import { PROGRESS_INTERVAL_MS } from '../../../shared/units';
import { EventBus } from '../../../electron/main/event-bus';
import { IpcFailure } from '../../../electron/engine/ipc-error';
import { JobManager } from '../../../electron/main/jobs/job-manager';
import type { JobRunner, RunControl } from '../../../electron/main/jobs/runner';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hash = (path: string): JobRequest => ({ op: 'hash', path });
const result = (path: string): JobResult => ({ path, sha256: 'ab', virtualSize: 1 });

/** A runner whose jobs are driven by the test. */
function scriptedRunner(script: (request: JobRequest, control: RunControl) => Promise<JobResult>): JobRunner {
  return { run: script };
}

function record(bus: EventBus) {
  const log: { channel: keyof Events; payload: unknown; at: number }[] = [];
  bus.onAny((channel, payload) => log.push({ channel, payload, at: performance.now() }));
  return log;
}

describe('JobManager', () => {
  it('forwards progress at most 4 times a second per job, in order, then the outcome', async () => {
    const bus = new EventBus();
    const log = record(bus);
    const jobs = new JobManager({
      events: bus,
      runner: scriptedRunner(async (_request, { onProgress }) => {
        // 150 updates over about 1.5 s: far more than 4 a second.
        for (let i = 1; i <= 150; i++) {
          onProgress({ phase: 'hashing', done: i * 100, total: 15_000, bytesPerSecond: 1000 });
          await sleep(10);
        }
        return result('/a');
      }),
    });
    const { id } = jobs.start(hash('/a'));
    await jobs.whenIdle();
    const progress = log.filter((e) => e.channel === 'job:progress');
    const events = progress.map((e) => e.payload as JobProgress);
    expect(events.length).toBeGreaterThanOrEqual(2);
    // By construction at most one per interval, however slow the machine: never closer than the interval.
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS - 5);
    }
    const elapsed = progress[progress.length - 1]!.at - progress[0]!.at;
    expect(events.length).toBeLessThanOrEqual(Math.floor(elapsed / (PROGRESS_INTERVAL_MS - 5)) + 1);
    expect(events.length).toBeLessThan(150 / 4);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const done = events.map((e) => e.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ jobId: id, phase: 'hashing', total: 15_000, bytesPerSecond: 1000 });
    expect(events[0]!.fraction).toBeCloseTo(events[0]!.done / 15_000);
    expect(events[0]!.etaSeconds).toBeCloseTo((15_000 - events[0]!.done) / 1000);
    const channels = log.map((e) => e.channel);
    expect(channels[0]).toBe('job:added');
    expect(channels[1]).toBe('job:started');
    expect(channels[channels.length - 1]).toBe('job:done');
    const outcome = log[log.length - 1]!.payload as Events['job:done'];
    expect(outcome).toMatchObject({ jobId: id, state: 'succeeded', op: 'hash', error: null });
    expect(outcome.progress?.done).toBe(15_000);
    expect(jobs.get(id)?.state).toBe('succeeded');
  });

  it('runs jobs one after another, in the order started', async () => {
    const bus = new EventBus();
    const log = record(bus);
    let active = 0;
    let most = 0;
    const jobs = new JobManager({
      events: bus,
      runner: scriptedRunner(async (request) => {
        active++;
        most = Math.max(most, active);
        await sleep(50);
        active--;
        return result((request as { path: string }).path);
      }),
    });
    const a = jobs.start(hash('/a'));
    const b = jobs.start(hash('/b'));
    expect(jobs.get(a.id)?.state).toBe('running');
    expect(jobs.get(b.id)?.state).toBe('queued');
    await jobs.whenIdle();
    expect(most).toBe(1);
    const order = log
      .filter((e) => e.channel === 'job:started' || e.channel === 'job:done')
      .map((e) => `${e.channel} ${(e.payload as { jobId: string }).jobId}`);
    expect(order).toEqual([`job:started ${a.id}`, `job:done ${a.id}`, `job:started ${b.id}`, `job:done ${b.id}`]);
  });

  it('cancels a running job through its signal, and a queued one before it starts', async () => {
    const bus = new EventBus();
    const log = record(bus);
    const jobs = new JobManager({
      events: bus,
      runner: scriptedRunner(
        (_request, { signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(new IpcFailure({ code: 'CANCELLED', message: 'the operation was cancelled' })),
            ),
          ),
      ),
    });
    const a = jobs.start(hash('/a'));
    const b = jobs.start(hash('/b'));
    expect(jobs.cancel(b.id)).toBe(true);
    expect(jobs.cancel(a.id)).toBe(true);
    await jobs.whenIdle();
    const done = log.filter((e) => e.channel === 'job:done').map((e) => e.payload as Events['job:done']);
    expect(done.map((d) => [d.jobId, d.state, d.error?.code])).toEqual([
      [b.id, 'cancelled', 'CANCELLED'],
      [a.id, 'cancelled', 'CANCELLED'],
    ]);
    expect(done[0]!.startedAt).toBeNull();
    expect(log.filter((e) => e.channel === 'job:started')).toHaveLength(1);
    expect(jobs.cancel(a.id)).toBe(false);
    expect(() => jobs.cancel('job-404')).toThrow(/no job job-404/);
  });

  it('reports a failing job with its typed error, and an untyped one as INTERNAL, then goes on', async () => {
    const bus = new EventBus();
    const log = record(bus);
    let n = 0;
    const jobs = new JobManager({
      events: bus,
      runner: scriptedRunner(async () => {
        n++;
        if (n === 1) throw new IpcFailure({ code: 'NO_SPACE', message: 'no space left', remedy: 'free some space' });
        if (n === 2) throw new TypeError('x is undefined');
        return result('/c');
      }),
    });
    jobs.start(hash('/a'));
    jobs.start(hash('/b'));
    jobs.start(hash('/c'));
    await jobs.whenIdle();
    const done = log.filter((e) => e.channel === 'job:done').map((e) => e.payload as Events['job:done']);
    expect(done.map((d) => d.state)).toEqual(['failed', 'failed', 'succeeded']);
    expect(done[0]!.error).toEqual({ code: 'NO_SPACE', message: 'no space left', remedy: 'free some space' });
    expect(done[1]!.error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('x is undefined') });
    expect(jobs.list().map((j) => j.state)).toEqual(['failed', 'failed', 'succeeded']);
    expect(jobs.clearFinished()).toEqual([]);
  });

  it('keeps only the newest finished jobs', async () => {
    const jobs = new JobManager({
      events: new EventBus(),
      keepFinished: 3,
      runner: scriptedRunner(async () => result('/')),
    });
    for (let i = 0; i < 6; i++) jobs.start(hash(`/${i}`));
    await jobs.whenIdle();
    expect(jobs.list().map((j) => j.id)).toEqual(['job-4', 'job-5', 'job-6']);
  });
});
