// Runs fuzz cases in a worker thread with a watchdog: a case that does not finish in time terminates the worker
// (whatever it is stuck in) and is reported as a hang; the next case gets a fresh worker.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { CaseRequest, CaseResult } from './protocol';

/** Every code the engine's ErrorCode union (EngineErrorCode in shared/errors.ts) declares: a PlatterError must carry one. */
export function knownErrorCodes(): string[] {
  const source = readFileSync(resolve(__dirname, '../../shared/errors.ts'), 'utf8');
  const union = /export type EngineErrorCode =([^;]+);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]!);
}

export type Outcome =
  CaseResult | { readonly id: number; readonly hang: true } | { readonly id: number; readonly crash: string };

export class FuzzPool {
  private worker: Worker | null = null;

  private constructor(
    private readonly script: string,
    private readonly codes: string[],
  ) {}

  /** Bundles worker.ts (and the engine it imports) into `dir`, so the worker runs on plain Node. */
  static async start(dir: string): Promise<FuzzPool> {
    const script = join(dir, 'fuzz-worker.mjs');
    await build({
      entryPoints: [resolve(__dirname, 'worker.ts')],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    return new FuzzPool(script, knownErrorCodes());
  }

  private spawn(): Worker {
    this.worker ??= new Worker(this.script, { workerData: { codes: this.codes } });
    return this.worker;
  }

  run(request: CaseRequest, timeoutMs: number): Promise<Outcome> {
    const worker = this.spawn();
    return new Promise((done) => {
      const finish = (outcome: Outcome, restart: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (restart) {
          void worker.terminate();
          this.worker = null;
        }
        done(outcome);
      };
      const onMessage = (result: CaseResult) => finish(result, false);
      const onError = (err: Error) => finish({ id: request.id, crash: err.stack ?? err.message }, true);
      const timer = setTimeout(() => finish({ id: request.id, hang: true }, true), timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
