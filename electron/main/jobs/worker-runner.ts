// Runs each job in its own worker thread, so a 2 TiB conversion never blocks the main process (and a crash in
// one job cannot take the app or the next job down).
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInput } from '../../worker/protocol';
import { IpcFailure, ipcError } from '../../engine/ipc-error';
import type { JobRunner } from './runner';

export interface WorkerRunnerOptions {
  /** The built job worker (out/main/job-worker.mjs in the app). */
  readonly workerPath: string | URL;
  /** After a cancel, how long the worker may take to remove its partial output before it is terminated. */
  readonly cancelGraceMs?: number;
}

export function createWorkerRunner(options: WorkerRunnerOptions): JobRunner {
  const grace = options.cancelGraceMs ?? 30_000;
  return {
    run(request, { signal, onProgress }) {
      return new Promise((resolve, reject) => {
        const input: WorkerInput = { request };
        const worker = new Worker(options.workerPath, { workerData: input });
        let settled = false;
        let killTimer: ReturnType<typeof setTimeout> | undefined;
        const settle = (then: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(killTimer);
          signal.removeEventListener('abort', onAbort);
          then();
        };
        const onAbort = () => {
          worker.postMessage({ type: 'cancel' } satisfies ToWorker);
          killTimer = setTimeout(() => {
            void worker.terminate();
            settle(() =>
              reject(new IpcFailure(ipcError('CANCELLED', 'the operation was cancelled (it had to be stopped)'))),
            );
          }, grace);
        };
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'progress') {
            if (!settled) onProgress(message.progress);
          } else if (message.type === 'done') settle(() => resolve(message.result));
          else settle(() => reject(new IpcFailure(message.error)));
        });
        worker.on('error', (err) =>
          settle(() =>
            reject(new IpcFailure(ipcError('INTERNAL', `the job stopped unexpectedly: ${err.message}`, 'try again'))),
          ),
        );
        worker.on('exit', (code) =>
          settle(() =>
            reject(
              new IpcFailure(ipcError('INTERNAL', `the job stopped unexpectedly (exit code ${code})`, 'try again')),
            ),
          ),
        );
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
