// Every job main runs, kept up to date from its events: added, started, progress (in seq order), done. Lives for
// the whole session, so progress survives switching views.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, call } from '../api';
import type { JobId, JobInfo, JobOutcome, JobProgress, JobRequest } from '../../../shared/ipc-contract';
import { nextEta } from '../lib/eta';
import type { EtaState } from '../lib/eta';
import { isDryRun, jobFraction } from '../lib/job-text';
import { useAppStore } from './use-app-store';

type Waiter = (outcome: JobOutcome) => void;

/** A request as text whatever the order of its fields (main's validated copy orders them its own way). */
function requestKey(request: JobRequest): string {
  return JSON.stringify(request, Object.keys(request).sort());
}

/** A job as the panel shows it: JobInfo with the newest event applied. */
export type JobView = JobInfo;

/** The whole job's percent (every phase a step of it): it never falls back when verifying starts. */
export function jobPercent(job: JobView): number {
  return Math.floor(jobFraction(job) * 100);
}

export function isFinished(job: JobView): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobView[]>([]);
  const waiters = new Map<JobId, Waiter[]>();
  const outcomes = new Map<JobId, JobOutcome>();
  /** Each running job's time left once it is stable (lib/eta.ts); null while withheld. */
  const etas = ref<Record<JobId, EtaState>>({});
  /** The jobs a wizard on screen shows itself: the Jobs panel leaves them out. */
  const shown = ref<JobId[]>([]);
  /** Jobs asked to stop that have not ended yet. */
  const cancelling = ref<JobId[]>([]);
  let subscribed = false;

  const running = computed(() => jobs.value.filter((j) => !isFinished(j)));
  const finished = computed(() => jobs.value.filter(isFinished));
  /** What the Jobs panel lists: real jobs (no dry runs) that no wizard on screen shows. */
  const listed = computed(() => jobs.value.filter((j) => !isDryRun(j) && !shown.value.includes(j.id)));
  const listedRunning = computed(() => listed.value.filter((j) => !isFinished(j)));

  function patch(id: JobId, change: (job: JobView) => JobView): void {
    const i = jobs.value.findIndex((j) => j.id === id);
    const job = jobs.value[i];
    if (job) jobs.value[i] = change(job);
  }

  /** Requests a wizard is starting (as JSON): main announces the job before it answers, and it is theirs. */
  const startingShown: string[] = [];

  function added(info: JobInfo): void {
    const pending = startingShown.indexOf(requestKey(info.request));
    if (pending >= 0) {
      startingShown.splice(pending, 1);
      show(info.id);
    }
    if (!jobs.value.some((j) => j.id === info.id)) jobs.value.push(info);
  }

  function progressed(p: JobProgress): void {
    const job = jobs.value.find((j) => j.id === p.jobId);
    if (!job || (job.progress && job.progress.seq >= p.seq)) return;
    etas.value[p.jobId] = nextEta(etas.value[p.jobId] ?? null, p);
    patch(p.jobId, (j) => ({ ...j, state: 'running', progress: p }) as JobView);
  }

  /** Seconds left, once the estimate is stable; null before, and for a finished job. */
  function etaOf(jobId: JobId): number | null {
    const job = jobs.value.find((j) => j.id === jobId);
    return job && !isFinished(job) ? (etas.value[jobId]?.shown ?? null) : null;
  }

  /** A wizard shows this job (until `hide`): the panel does not repeat it. */
  function show(jobId: JobId): void {
    if (!shown.value.includes(jobId)) shown.value.push(jobId);
  }
  function hide(jobId: JobId): void {
    shown.value = shown.value.filter((id) => id !== jobId);
  }

  function done(outcome: JobOutcome): void {
    outcomes.set(outcome.jobId, outcome);
    patch(
      outcome.jobId,
      (job) =>
        ({
          ...job,
          state: outcome.state,
          result: outcome.result,
          error: outcome.error,
          finishedAt: outcome.finishedAt,
          progress: outcome.progress ?? job.progress,
        }) as JobView,
    );
    cancelling.value = cancelling.value.filter((id) => id !== outcome.jobId);
    delete etas.value[outcome.jobId];
    for (const resolve of waiters.get(outcome.jobId) ?? []) resolve(outcome);
    waiters.delete(outcome.jobId);
  }

  async function load(): Promise<void> {
    if (!subscribed) {
      subscribed = true;
      const a = api();
      a.onJobAdded(added);
      a.onJobStarted(({ jobId, startedAt }) =>
        patch(jobId, (job) => ({ ...job, state: job.state === 'queued' ? 'running' : job.state, startedAt })),
      );
      a.onJobProgress(progressed);
      a.onJobDone(done);
    }
    try {
      for (const info of await call(api().listJobs())) added(info);
    } catch (err) {
      useAppStore().report(err);
    }
  }

  /**
   * Starts a job; throws an ApiError when main refuses it (bad paths, output exists...). `shown`: a wizard shows it
   * from the start, so the Jobs panel never lists it, not even before main's answer arrives.
   */
  async function start(request: JobRequest, shown = false): Promise<JobId> {
    const key = requestKey(request);
    if (shown) startingShown.push(key);
    try {
      const { jobId } = await call(api().startJob(request));
      if (shown) show(jobId);
      return jobId;
    } finally {
      const left = startingShown.indexOf(key);
      if (left >= 0) startingShown.splice(left, 1);
    }
  }

  /** Resolves with the job's outcome when it ends (at once if it already has). */
  function whenDone(jobId: JobId): Promise<JobOutcome> {
    const known = outcomes.get(jobId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]));
  }

  async function cancel(jobId: JobId): Promise<void> {
    if (!cancelling.value.includes(jobId)) cancelling.value.push(jobId);
    try {
      await call(api().cancelJob({ jobId }));
    } catch (err) {
      cancelling.value = cancelling.value.filter((id) => id !== jobId);
      useAppStore().report(err);
    }
  }

  async function clearFinished(): Promise<void> {
    try {
      const left = await call(api().clearFinishedJobs());
      jobs.value = jobs.value.filter((j) => left.some((l) => l.id === j.id));
    } catch (err) {
      useAppStore().report(err);
    }
  }

  function byId(jobId: JobId | null): JobView | undefined {
    return jobId === null ? undefined : jobs.value.find((j) => j.id === jobId);
  }

  return {
    jobs,
    running,
    finished,
    listed,
    listedRunning,
    cancelling,
    load,
    start,
    whenDone,
    cancel,
    clearFinished,
    byId,
    added,
    progressed,
    done,
    etaOf,
    show,
    hide,
  };
});
