// How the job manager runs one job: in a worker thread (the app, and the job tests) or in-process.
import type { Progress } from '../../engine/ops/progress';
import type { JobRequest, JobResult } from '../../../shared/jobs';

export type { Progress as EngineProgress };

export interface RunControl {
  readonly signal: AbortSignal;
  /** Called as often as the engine reports (every 250 ms at most); the manager throttles what it forwards. */
  readonly onProgress: (progress: Progress) => void;
}

/** Runs a job to its end: resolves with the result, or rejects (an IpcFailure for typed errors). */
export interface JobRunner {
  run(request: JobRequest, control: RunControl): Promise<JobResult>;
}
