// convert killed at every point: the source never changes, the output is absent or complete and valid.
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/temp-dir';
import { killEverywhere } from './harness';
import { ROWS } from './rows';

const newTempDir = useTempDirs();

describe('convert, killed', () => {
  it.each(['convert raw to VHD', 'convert VHD to raw'])('%s', async (name) => {
    const report = await killEverywhere(ROWS[name]!, newTempDir);
    if (process.env.PLATTER_KILL_VERBOSE) console.log(name, report);
    expect(report.killed).toBeGreaterThanOrEqual(3);
    expect(report.completed).toBeGreaterThanOrEqual(1);
  });
});
