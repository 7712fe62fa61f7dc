// The terminal progress line: percent, speed, and a time left that never reads 00:00 while work remains.
import { describe, expect, it } from 'vitest';
import { renderProgress } from '../../../electron/cli/progress-bar';

const MiB = 1024 * 1024;

describe('renderProgress', () => {
  it('shows phase, bar, percent, speed and time left', () => {
    const line = renderProgress({ phase: 'converting', done: 25 * MiB, total: 100 * MiB, bytesPerSecond: MiB }, 20);
    expect(line).toBe('converting [#####---------------]  25% 1 MiB/s ETA 01:15');
  });

  it('rounds the time left up', () => {
    const line = renderProgress({ phase: 'converting', done: 41 * MiB, total: 100 * MiB, bytesPerSecond: 150 * MiB });
    expect(line).toMatch(/ETA 00:01$/);
  });

  it('shows no time left before the speed is known', () => {
    expect(renderProgress({ phase: 'reading', done: 0, total: MiB, bytesPerSecond: 0 })).toMatch(/ETA --:--$/);
  });
});
