// What a finished job offers to open: its output, when the Image view can describe what was written.
import { describe, expect, it } from 'vitest';
import {
  distinctTitles,
  isDryRun,
  jobFraction,
  jobResultPath,
  jobTitle,
  plannedPhases,
} from '../../../renderer/src/lib/job-text';
import type { ConvertResult, FormatName, JobInfo } from '../../../shared/ipc-contract';

const MiB = 1024 * 1024;

function convertedTo(format: FormatName, output: string): JobInfo {
  const result: ConvertResult = {
    output,
    format,
    diskType: null,
    blockSize: null,
    virtualSize: MiB,
    sourceSize: MiB,
    paddedBytes: 0,
    roundedBytes: 0,
    fileSize: MiB,
    verifiedSha256: null,
  };
  return {
    id: 'j1',
    op: 'convert',
    request: { op: 'convert', input: '/d/a.vhd', output },
    state: 'succeeded',
    queuedAt: 1,
    startedAt: 2,
    finishedAt: 3,
    progress: null,
    result,
    error: null,
  };
}

describe('jobResultPath', () => {
  it('opens a written VHD or VHDX, not a raw disk', () => {
    expect(jobResultPath(convertedTo('vhd', '/d/a.vhd'))).toBe('/d/a.vhd');
    expect(jobResultPath(convertedTo('vhdx', '/d/a.vhdx'))).toBe('/d/a.vhdx');
    expect(jobResultPath(convertedTo('raw', '/d/a.img'))).toBeNull();
  });
});

describe('job titles, phases and dry runs', () => {
  const base = convertedTo('vhdx', '/d/disk.vhdx');
  const convert: JobInfo = {
    ...base,
    state: 'running',
    result: null,
    request: { op: 'convert', input: '/d/disk.vhd', output: '/d/disk.vhdx', verify: true },
  } as JobInfo;
  const at = (phase: string, fraction: number): JobInfo =>
    ({
      ...convert,
      progress: {
        jobId: 'j1',
        seq: 1,
        phase,
        done: 0,
        total: 1,
        bytesPerSecond: 0,
        fraction,
        etaSeconds: null,
        elapsedMs: 1,
      },
    }) as JobInfo;

  it('names a conversion by its source and output, and tells equal titles apart', () => {
    expect(jobTitle(convert)).toBe('disk.vhd → disk.vhdx');
    const titles = distinctTitles([
      convert,
      { ...convert, id: 'j2' },
      { ...convert, id: 'j3', request: { ...convert.request, output: '/e/x.vhdx' } } as JobInfo,
    ]);
    expect([...titles.values()]).toEqual(['disk.vhd → disk.vhdx', 'disk.vhd → disk.vhdx (2)', 'disk.vhd → x.vhdx']);
  });

  it('each phase is a step of the whole: 99% converted is not 0% when verifying starts', () => {
    expect(plannedPhases(convert)).toEqual(['converting', 'verifying']);
    expect(jobFraction(at('converting', 0.99))).toBeCloseTo(0.495);
    expect(jobFraction(at('verifying', 0))).toBe(0.5);
    expect(jobFraction(at('verifying', 0.5))).toBe(0.75);
    // A job without known phases: its one phase is the whole.
    const hash = { ...at('hashing', 0.3), op: 'hash', request: { op: 'hash', path: '/d/a.vhd' } } as JobInfo;
    expect(jobFraction(hash)).toBeCloseTo(0.3);
  });

  it('dry runs are told apart from jobs', () => {
    const plan = { ...convert, op: 'repair', request: { op: 'repair', path: '/d/a.vhd', dryRun: true } } as JobInfo;
    expect(isDryRun(plan)).toBe(true);
    expect(isDryRun(convert)).toBe(false);
  });
});
