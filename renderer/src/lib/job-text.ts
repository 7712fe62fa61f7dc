// What a job is about, in a few words: the file it works on and the path of its result.
import { OUTPUT_OPTIONS } from '../../../shared/ipc-contract';
import type { JobInfo } from '../../../shared/ipc-contract';
import { baseName } from './format';

/** The file the job writes (or reads, for a hash): what the panel names it by. */
export function jobSubject(job: JobInfo): string {
  switch (job.op) {
    case 'create':
    case 'hash':
    case 'resize':
    case 'repair':
      return job.request.path;
    case 'convert':
    case 'convert-to-child':
      return job.request.output;
    case 'compact':
      return job.request.output ?? job.request.path;
    case 'merge':
    case 'set-parent':
      return job.request.child;
  }
}

/** The image a finished job made or changed, to open; null when there is none to open. */
export function jobResultPath(job: JobInfo): string | null {
  if (job.state !== 'succeeded' || job.result === null) return null;
  switch (job.op) {
    case 'create':
      return OUTPUT_OPTIONS[job.result.format].describable ? job.result.path : null;
    case 'hash':
    case 'resize':
      return job.result.path;
    case 'repair':
      return job.result.dryRun ? null : job.result.path;
    case 'convert':
      // Only what the Image view can describe opens (not a raw disk).
      return OUTPUT_OPTIONS[job.result.format].describable ? job.result.output : null;
    case 'compact':
      return job.result.dryRun ? null : job.result.output;
    case 'convert-to-child':
      return job.result.output;
    case 'merge':
      return job.result.parent;
    case 'set-parent':
      return job.result.child;
  }
}

export function jobName(job: JobInfo): string {
  return baseName(jobSubject(job));
}

/** The file the job reads from, where it has one besides its subject (a conversion's source). */
function jobSource(job: JobInfo): string | null {
  return job.op === 'convert' || job.op === 'convert-to-child' ? job.request.input : null;
}

/** What the job is about, by name: "disk.vhd → disk.vhdx" for a conversion, else the file it works on. */
export function jobTitle(job: JobInfo): string {
  const source = jobSource(job);
  const subject = baseName(jobSubject(job));
  return source === null ? subject : `${baseName(source)} → ${subject}`;
}

/** Titles for a list of jobs, told apart where two would read the same ("disk.vhd (2)"). */
export function distinctTitles(jobs: readonly JobInfo[]): Map<string, string> {
  const seen = new Map<string, number>();
  const titles = new Map<string, string>();
  for (const job of jobs) {
    const title = jobTitle(job);
    const n = (seen.get(title) ?? 0) + 1;
    seen.set(title, n);
    titles.set(job.id, n === 1 ? title : `${title} (${n})`);
  }
  return titles;
}

/** A plan or an estimate (compact and repair's dry runs): work a wizard shows, not a job of its own. */
export function isDryRun(job: JobInfo): boolean {
  return 'dryRun' in job.request && job.request.dryRun === true;
}

/** The phases the job goes through, in order, where they are known ahead ('converting', then 'verifying'). */
export function plannedPhases(job: JobInfo): readonly string[] {
  switch (job.op) {
    case 'convert':
      return job.request.verify ? ['converting', 'verifying'] : ['converting'];
    case 'convert-to-child':
      return job.request.verify ? ['comparing', 'verifying'] : ['comparing'];
    default:
      return [];
  }
}

/** The phases to show as steps: the planned ones, or the one the job reports. */
export function jobPhases(job: JobInfo): readonly string[] {
  const planned = plannedPhases(job);
  const current = job.progress?.phase;
  if (current === undefined || planned.includes(current)) return planned;
  return [...planned, current];
}

/** The whole job's share done, 0..1: each phase an equal step, so the bar never falls when the next one starts. */
export function jobFraction(job: JobInfo): number {
  if (job.state === 'succeeded') return 1;
  const progress = job.progress;
  if (!progress) return 0;
  const phases = jobPhases(job);
  const index = Math.max(0, phases.indexOf(progress.phase));
  return (index + Math.min(1, Math.max(0, progress.fraction))) / Math.max(1, phases.length);
}

/** What a finished job wrote as a new file: its path, the disk's size and the file's; null for in-place work. */
export interface WrittenFile {
  readonly path: string;
  readonly virtualSize: number | null;
  readonly fileSize: number | null;
}

export function writtenFile(job: JobInfo): WrittenFile | null {
  if (job.state !== 'succeeded' || job.result === null) return null;
  switch (job.op) {
    case 'convert':
    case 'convert-to-child':
      return { path: job.result.output, virtualSize: job.result.virtualSize, fileSize: job.result.fileSize };
    case 'create':
      return { path: job.result.path, virtualSize: job.result.virtualSize, fileSize: null };
    case 'compact':
      return job.result.dryRun || job.result.output === job.result.path
        ? null
        : { path: job.result.output, virtualSize: null, fileSize: job.result.sizeAfter };
    default:
      return null;
  }
}

/** The new file a job would have written, which a cancel or failure removes again; null for in-place work. */
export function newFileOf(job: JobInfo): string | null {
  switch (job.op) {
    case 'create':
      return job.request.path;
    case 'convert':
    case 'convert-to-child':
      return job.request.output;
    case 'compact':
      return job.request.output ?? null;
    default:
      return null;
  }
}

/** The content hash a finished job worked out (a verified conversion, a hash). */
export function jobHash(job: JobInfo): string | null {
  if (job.state !== 'succeeded' || job.result === null) return null;
  switch (job.op) {
    case 'convert':
    case 'convert-to-child':
      return job.result.verifiedSha256;
    case 'hash':
      return job.result.sha256;
    default:
      return null;
  }
}
