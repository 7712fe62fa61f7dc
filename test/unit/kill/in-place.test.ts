// In-place operations killed at every point: the image reads the old or the new content, and `check` passes or
// `check --repair` restores it; the next run of the operation finishes the job and cleans up.
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/temp-dir';
import { killEverywhere } from './harness';
import { ROWS } from './rows';

const newTempDir = useTempDirs();

describe('in-place operations, killed', () => {
  it.each(['compact in place', 'check --repair'])('%s', async (name) => {
    const report = await killEverywhere(ROWS[name]!, newTempDir);
    if (process.env.PLATTER_KILL_VERBOSE) console.log(name, report);
    expect(report.killed).toBeGreaterThanOrEqual(3);
    expect(report.completed).toBeGreaterThanOrEqual(1);
  });
});
