// The job queue: one job runs at a time, in the order started; progress is forwarded at most 4 times a second
// per job, in order; cancel stops a running job (which removes its partial output) or drops a queued one; every
// job ends with exactly one `job:done`, after its last `job:progress`. At most `maxQueued` jobs wait (more are
// refused as TOO_MANY_REQUESTS), and every step of the bookkeeping costs the same however many jobs there are.
import type { IpcError } from '../../../shared/errors';
import type { JobId, JobInfo, JobOutcome, JobProgress, JobRequest, JobResult, JobState } from '../../../shared/jobs';
import { PROGRESS_INTERVAL_MS } from '../../../shared/units';
import type { EventSink } from '../event-bus';
import { toIpcError } from '../../engine/ipc-error';
import { fail } from '../ipc-errors';
import type { NewFile } from '../output-paths';
import { restrictMode } from './output-mode';
import type { EngineProgress, JobRunner, RunRequest } from './runner';

/** Far more than anyone queues by hand, few enough that a runaway page cannot fill memory with jobs. */
export const MAX_QUEUED_JOBS = 256;

export interface JobManagerOptions {
  readonly runner: JobRunner;
  readonly events: EventSink;
  /** Milliseconds; injectable for tests. */
  readonly now?: () => number;
  readonly progressIntervalMs?: number;
  /** Finished jobs kept for `job:list`; the oldest are forgotten first. */
  readonly keepFinished?: number;
  /** Jobs that may wait behind the running one. */
  readonly maxQueued?: number;
}

interface Job {
  readonly id: JobId;
  readonly request: JobRequest;
  /** The file it creates, whose permission bits its sources limit. */
  readonly output: NewFile | null;
  state: JobState;
  readonly queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The last progress sent. */
  progress: JobProgress | null;
  /** The newest progress from the runner, sent or not. */
  latest: EngineProgress | null;
  unsent: boolean;
  seq: number;
  lastSentAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  result: JobResult | null;
  error: IpcError | null;
  readonly controller: AbortController;
}

export class JobManager {
  private readonly jobs = new Map<JobId, Job>();
  /** Waiting jobs in the order started (a Map: taking the first and dropping any one are both O(1)). */
  private readonly queue = new Map<JobId, Job>();
  /** Finished jobs still listed, oldest first. */
  private readonly finished = new Set<JobId>();
  private running: Job | null = null;
  private counter = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly interval: number;
  private readonly keepFinished: number;
  private readonly maxQueued: number;

  constructor(private readonly options: JobManagerOptions) {
    this.now = options.now ?? Date.now;
    this.interval = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    this.keepFinished = options.keepFinished ?? 200;
    this.maxQueued = options.maxQueued ?? MAX_QUEUED_JOBS;
  }

  /** Queues a job (its paths already checked) and returns it as `job:added` announces it. */
  start(request: JobRequest, output: NewFile | null = null): JobInfo {
    if (this.queue.size >= this.maxQueued) {
      fail(
        'TOO_MANY_REQUESTS',
        `too many requests at once: ${this.queue.size} jobs are already waiting`,
        'wait for some of them to finish, or cancel some, then start it again',
      );
    }
    const job: Job = {
      id: `job-${++this.counter}`,
      request,
      output,
      state: 'queued',
      queuedAt: this.now(),
      startedAt: null,
      finishedAt: null,
      progress: null,
      latest: null,
      unsent: false,
      seq: 0,
      lastSentAt: -Infinity,
      timer: null,
      result: null,
      error: null,
      controller: new AbortController(),
    };
    this.jobs.set(job.id, job);
    this.queue.set(job.id, job);
    const info = this.info(job);
    this.options.events.emit('job:added', info);
    this.pump();
    return info;
  }

  /** True when the job was queued or running; false when it had already finished. */
  cancel(id: JobId): boolean {
    const job = this.jobs.get(id);
    if (!job) fail('JOB_NOT_FOUND', `there is no job ${id}`, 'refresh the list of jobs');
    if (job.state === 'queued') {
      this.queue.delete(job.id);
      this.finish(job, null, cancelledError());
      return true;
    }
    if (job.state === 'running') {
      job.controller.abort();
      return true;
    }
    return false;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((job) => this.info(job));
  }

  get(id: JobId): JobInfo | undefined {
    const job = this.jobs.get(id);
    return job && this.info(job);
  }

  clearFinished(): JobInfo[] {
    for (const id of this.finished) this.jobs.delete(id);
    this.finished.clear();
    return this.list();
  }

  /** Resolves when no job is running or queued. */
  whenIdle(): Promise<void> {
    if (!this.running && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels everything (app quit). */
  cancelAll(): void {
    for (const id of [...this.queue.keys()]) this.cancel(id);
    this.running?.controller.abort();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.values().next();
    if (next.done) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const job = next.value;
    this.queue.delete(job.id);
    this.running = job;
    job.state = 'running';
    job.startedAt = this.now();
    this.options.events.emit('job:started', { jobId: job.id, startedAt: job.startedAt });
    let run: Promise<JobResult>;
    try {
      run = this.options.runner.run(runRequest(job), {
        signal: job.controller.signal,
        onProgress: (progress) => this.onProgress(job, progress),
      });
    } catch (err) {
      run = Promise.reject(err);
    }
    run
      .then(async (result) => {
        if (job.output) await restrictMode(job.output);
        return result;
      })
      .then(
        (result) => this.finish(job, result, null),
        (err: unknown) => this.finish(job, null, toIpcError(err)),
      );
  }

  private onProgress(job: Job, progress: EngineProgress): void {
    if (job.state !== 'running') return;
    job.latest = progress;
    job.unsent = true;
    const wait = job.lastSentAt + this.interval - this.now();
    if (wait <= 0) this.send(job);
    else if (!job.timer) {
      job.timer = setTimeout(() => {
        job.timer = null;
        if (job.state === 'running' && job.unsent) this.send(job);
      }, wait);
    }
  }

  private send(job: Job): void {
    job.seq++;
    job.progress = this.snapshot(job, job.latest!, job.seq);
    job.lastSentAt = this.now();
    job.unsent = false;
    this.options.events.emit('job:progress', job.progress);
  }

  private snapshot(job: Job, p: EngineProgress, seq: number): JobProgress {
    const left = Math.max(0, p.total - p.done);
    return {
      jobId: job.id,
      seq,
      phase: p.phase,
      done: p.done,
      total: p.total,
      bytesPerSecond: p.bytesPerSecond,
      fraction: p.total > 0 ? Math.min(1, p.done / p.total) : 1,
      etaSeconds: p.bytesPerSecond > 0 ? left / p.bytesPerSecond : left === 0 ? 0 : null,
      elapsedMs: job.startedAt === null ? 0 : this.now() - job.startedAt,
    };
  }

  private finish(job: Job, result: JobResult | null, error: IpcError | null): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    job.finishedAt = this.now();
    job.state = error === null ? 'succeeded' : error.code === 'CANCELLED' ? 'cancelled' : 'failed';
    job.result = result;
    job.error = error;
    // The outcome carries the newest numbers; a progress event now would break the 4-a-second promise.
    if (job.latest) job.progress = this.snapshot(job, job.latest, job.seq);
    const outcome = {
      jobId: job.id,
      op: job.request.op,
      state: job.state,
      result,
      error,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      durationMs: job.startedAt === null ? 0 : job.finishedAt - job.startedAt,
      progress: job.progress,
    } as JobOutcome;
    if (this.running === job) this.running = null;
    this.finished.add(job.id);
    this.forgetOldFinished();
    this.options.events.emit('job:done', outcome);
    this.pump();
  }

  private forgetOldFinished(): void {
    while (this.finished.size > this.keepFinished) {
      const oldest = this.finished.values().next().value as JobId;
      this.finished.delete(oldest);
      this.jobs.delete(oldest);
    }
  }

  private info(job: Job): JobInfo {
    return {
      id: job.id,
      op: job.request.op,
      request: job.request,
      state: job.state,
      queuedAt: job.queuedAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      progress: job.progress,
      result: job.result,
      error: job.error,
    } as JobInfo;
  }
}

/** The request with the permission bits of its new file, when its sources limit them. */
function runRequest(job: Job): RunRequest {
  const mode = job.output?.mode ?? null;
  return mode === null ? job.request : { ...job.request, outputMode: mode };
}

function cancelledError(): IpcError {
  return { code: 'CANCELLED', message: 'the operation was cancelled', remedy: 'run it again when you are ready' };
}
