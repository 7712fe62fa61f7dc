// The job worker: runs one engine operation off the main thread and reports progress and its outcome.
// Built by electron-vite into out/main/job-worker.mjs; tests build it with esbuild. Never imports electron.
import { parentPort, workerData } from 'node:worker_threads';
import { toIpcError } from '../engine/ipc-error';
import { runOperation } from './operations';
import type { FromWorker, ToWorker, WorkerInput } from './protocol';

const port = parentPort;
if (!port) throw new Error('job-worker.mjs runs as a worker thread, not on its own');

const controller = new AbortController();
port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') controller.abort();
});
const post = (message: FromWorker) => port.postMessage(message);

const { request } = workerData as WorkerInput;
try {
  const result = await runOperation(request, {
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress: { ...progress } }),
  });
  post({ type: 'done', result });
} catch (err) {
  post({ type: 'failed', error: toIpcError(err) });
} finally {
  port.close();
}
