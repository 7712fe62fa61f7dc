// What the taskbar/dock shows while jobs run, and when a finished job deserves a system notification.
import type { JobInfo, JobOutcome, JobResultOf } from '../../shared/jobs';

export interface TaskbarProgress {
  /** 0..1, or -1 to remove the bar (Electron's setProgressBar). */
  readonly value: number;
  readonly mode: 'none' | 'normal' | 'indeterminate';
}

/** The running job's fraction; indeterminate before its first progress; none when nothing runs. */
export function taskbarProgress(jobs: readonly JobInfo[]): TaskbarProgress {
  const running = jobs.find((j) => j.state === 'running');
  if (!running) return { value: -1, mode: 'none' };
  if (!running.progress) return { value: 2, mode: 'indeterminate' };
  return { value: running.progress.fraction, mode: 'normal' };
}

/** Jobs shorter than this end without a notification: the person is probably still watching. */
export const NOTIFY_AFTER_MS = 10_000;

export function shouldNotify(outcome: JobOutcome, windowFocused: boolean, enabled: boolean): boolean {
  return enabled && !windowFocused && outcome.state !== 'cancelled' && outcome.durationMs >= NOTIFY_AFTER_MS;
}

const OP_NAMES: Record<JobOutcome['op'], string> = {
  create: 'Create',
  convert: 'Convert',
  compact: 'Compact',
  hash: 'Verify hash',
  'convert-to-child': 'Convert to child',
  resize: 'Resize',
  merge: 'Merge',
  'set-parent': 'Fix parent link',
  repair: 'Repair',
};

export function notificationText(outcome: JobOutcome): { title: string; body: string } {
  const name = OP_NAMES[outcome.op] ?? outcome.op;
  if (outcome.state === 'succeeded') return { title: `${name} finished`, body: describeResult(outcome) };
  return { title: `${name} failed`, body: outcome.error?.message ?? 'the job did not finish' };
}

function describeResult(outcome: JobOutcome): string {
  switch (outcome.op) {
    case 'create':
      return outcome.result?.path ?? '';
    case 'convert':
      return outcome.result?.output ?? '';
    case 'compact':
      if (!outcome.result) return '';
      return `${outcome.result.output}: ${outcome.result.reclaimedBytes} bytes ${outcome.result.dryRun ? 'would be reclaimed' : 'reclaimed'}`;
    case 'hash':
      return outcome.result ? `SHA-256 ${outcome.result.sha256}` : '';
    case 'convert-to-child':
      return outcome.result ? `${outcome.result.output}: ${outcome.result.changedBlocks} changed blocks` : '';
    case 'resize':
      return outcome.result ? `${outcome.result.path}: ${outcome.result.newSize} bytes` : '';
    case 'merge':
      return outcome.result ? `${outcome.result.child} merged into ${outcome.result.parent}` : '';
    case 'set-parent':
      return outcome.result ? `${outcome.result.child} now points at ${outcome.result.parent}` : '';
    case 'repair':
      return outcome.result ? describeRepair(outcome.result) : '';
  }
}

function describeRepair(result: JobResultOf<'repair'>): string {
  const n = result.changes.length;
  const what = result.dryRun
    ? `${n} ${n === 1 ? 'change' : 'changes'} planned`
    : `${n} ${n === 1 ? 'change' : 'changes'} made`;
  const after =
    result.after === null
      ? ''
      : result.after.clean
        ? ', now clean'
        : `, ${result.after.problems.length} problems remain`;
  return `${result.path}: ${what}${after}`;
}
