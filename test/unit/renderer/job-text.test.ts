// What a finished job offers to open: its output, when the Image view can describe what was written.
import { describe, expect, it } from 'vitest';
import { jobResultPath } from '../../../renderer/src/lib/job-text';
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
