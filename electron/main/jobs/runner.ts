// How the job manager runs one job: in a worker thread (the app, and the job tests) or in-process.
import type { Progress } from '../../engine/ops/progress';
import type { JobRequest, JobResult } from '../../../shared/jobs';

export type { Progress as EngineProgress };

export interface RunControl {
  readonly signal: AbortSignal;
  /** Called as often as the engine reports (every 250 ms at most); the manager throttles what it forwards. */
  readonly onProgress: (progress: Progress) => void;
}

/**
 * A job's request as the runner gets it: with `outputMode`, the permission bits its new file may have at most
 * (its sources'), which the engine's create, convert, compact and convert-to-child give the file they create.
 */
export type RunRequest = JobRequest & { readonly outputMode?: number };

/** Runs a job to its end: resolves with the result, or rejects (an IpcFailure for typed errors). */
export interface JobRunner {
  run(request: RunRequest, control: RunControl): Promise<JobResult>;
}
