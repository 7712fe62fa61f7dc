// resize and merge killed at every point (rows.ts says what each must keep).
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/temp-dir';
import { killEverywhere } from './harness';
import { ROWS } from './rows';

const newTempDir = useTempDirs();

describe('resize and merge, killed', () => {
  it.each(['resize a fixed disk', 'resize a dynamic disk', 'merge'])('%s', async (name) => {
    const report = await killEverywhere(ROWS[name]!, newTempDir);
    if (process.env.PLATTER_KILL_VERBOSE) console.log(name, report);
    expect(report.killed).toBeGreaterThanOrEqual(3);
    expect(report.completed).toBeGreaterThanOrEqual(1);
  });
});
