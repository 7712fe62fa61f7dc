// A small semaphore for the invoke handlers that open files (image:info and the like). Forty thousand calls at once
// would otherwise open forty thousand files and fail half of them with EMFILE, reported as an input/output error:
// here a few run at a time, a bounded number wait their turn, and the rest are refused as TOO_MANY_REQUESTS at once.
import { fail } from './ipc-errors';

export interface RequestLimits {
  /** Calls that run at once. */
  readonly running: number;
  /** Calls that may wait for a turn; one more is refused. */
  readonly waiting: number;
}

/** Each call holds a few files open at most (an image, then its parents one by one). */
export const FILE_REQUEST_LIMITS: RequestLimits = { running: 8, waiting: 512 };

export class RequestLimit {
  private active = 0;
  /** Resolvers of the waiting calls, oldest first, from `head` on (an array with a moving head: O(1) a call). */
  private waiters: (() => void)[] = [];
  private head = 0;

  constructor(private readonly limits: RequestLimits = FILE_REQUEST_LIMITS) {}

  /** Runs `work` when a turn is free; TOO_MANY_REQUESTS when every turn and every waiting place is taken. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limits.running) this.active++;
    else {
      if (this.waiters.length - this.head >= this.limits.waiting) {
        fail(
          'TOO_MANY_REQUESTS',
          `too many requests at once: ${this.limits.running} files are being read and ${this.limits.waiting} more wait`,
          'wait a moment and try again, with fewer files at a time',
        );
      }
      // The call that finishes hands its turn straight to this one (active stays the same).
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiters[this.head];
    if (next === undefined) {
      this.active--;
      return;
    }
    this.head++;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    next();
  }
}
