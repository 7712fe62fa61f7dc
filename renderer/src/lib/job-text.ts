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
