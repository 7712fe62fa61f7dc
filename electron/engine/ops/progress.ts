// Progress reporting shared by every long operation: throttled, with a moving speed.

export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly bytesPerSecond: number;
}

export interface JobControl {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** Least time between two progress reports (default PROGRESS_INTERVAL_MS). */
  readonly progressIntervalMs?: number;
}

export const PROGRESS_INTERVAL_MS = 250;

/** Returns a reporter that forwards at most one update per interval, plus the first and the last. */
export function progressReporter(control: JobControl, phase: string, total: number) {
  const onProgress = control.onProgress;
  const intervalMs = control.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const started = performance.now();
  let last = -Infinity;
  let done = 0;
  const emit = () => {
    const elapsed = (performance.now() - started) / 1000;
    onProgress?.({ phase, done, total, bytesPerSecond: elapsed > 0 ? Math.round(done / elapsed) : 0 });
  };
  return {
    /** Adds `bytes` to the work done; emits when the interval has passed. */
    add(bytes: number): void {
      done += bytes;
      const now = performance.now();
      if (onProgress && now - last >= intervalMs) {
        last = now;
        emit();
      }
    },
    finish(): void {
      done = total;
      emit();
    },
  };
}

/** Lets pending signals, timers and I/O callbacks run: long loops without I/O call it now and then. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
