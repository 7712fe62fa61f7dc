// Messages between the job manager's worker runner and the job worker (one worker per job).
import type { Progress } from '../engine/ops/progress';
import type { IpcError } from '../../shared/errors';
import type { JobRequest, JobResult } from '../../shared/jobs';

/** `workerData` of a job worker. */
export interface WorkerInput {
  readonly request: JobRequest;
}

export type ToWorker = { readonly type: 'cancel' };

export type FromWorker =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly result: JobResult }
  | { readonly type: 'failed'; readonly error: IpcError };
