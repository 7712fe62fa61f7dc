// Time left is withheld until it is stable: not on a job's first updates, not for a job that ends in a second,
// not across a phase change (verifying starts over), and shown once the pace holds.
import { describe, expect, it } from 'vitest';
import { MIN_PHASE_MS, nextEta } from '../../../renderer/src/lib/eta';
import type { EtaSample, EtaState } from '../../../renderer/src/lib/eta';

/** Feeds the samples in order; returns what was shown after each. */
function shownAfter(samples: readonly EtaSample[]): (number | null)[] {
  let state: EtaState | null = null;
  return samples.map((s) => (state = nextEta(state, s)).shown);
}

/** A phase of `total` bytes at a steady `bytesPerMs`, sampled every 250 ms from `fromMs`, after a slow start. */
function steady(phase: string, total: number, bytesPerMs: number, fromMs = 0, count = 40): EtaSample[] {
  return Array.from({ length: count }, (_, i) => ({
    phase,
    total,
    done: Math.min(total, 1000 + bytesPerMs * 250 * i),
    elapsedMs: fromMs + 250 * i,
  }));
}

describe('nextEta', () => {
  it('withholds the estimate of a job that is over in under a second', () => {
    // The case: a 0.9 s conversion whose first update came after a slow start.
    const samples: EtaSample[] = [
      { phase: 'converting', done: 64 * 1024, total: 64 << 20, elapsedMs: 10 },
      { phase: 'converting', done: 20 << 20, total: 64 << 20, elapsedMs: 260 },
      { phase: 'converting', done: 45 << 20, total: 64 << 20, elapsedMs: 510 },
      { phase: 'converting', done: 64 << 20, total: 64 << 20, elapsedMs: 900 },
    ];
    expect(shownAfter(samples)).toEqual([null, null, null, null]);
  });

  it('shows nothing before the phase has run a while, then the steady pace', () => {
    // 100 MB at 10 kB/ms: 10 s in all.
    const shown = shownAfter(steady('converting', 100_000_000, 10_000));
    const firstShown = shown.findIndex((s) => s !== null);
    expect(firstShown * 250).toBeGreaterThanOrEqual(MIN_PHASE_MS);
    // 2 s in, 8 s are left at that pace.
    expect(shown[firstShown]).toBe(8);
    expect(shown.filter((s) => s !== null).every((s, i, all) => i === 0 || s! <= all[i - 1]!)).toBe(true);
  });

  it('starts over when the phase changes: verifying is estimated on its own', () => {
    const converting = steady('converting', 100_000_000, 10_000, 0, 30);
    const verifying = steady('verifying', 100_000_000, 20_000, 7500, 30);
    const shown = shownAfter([...converting, ...verifying]);
    expect(shown[20]).toBe(5);
    // The first updates of the new phase show nothing, whatever the previous phase said.
    expect(shown.slice(30, 30 + MIN_PHASE_MS / 250)).toEqual(Array(MIN_PHASE_MS / 250).fill(null));
  });

  it('shows nothing in the last seconds, nor for a phase of nothing', () => {
    const shown = shownAfter(steady('converting', 100_000_000, 10_000));
    expect(shown.at(-1)).toBeNull();
    expect(shownAfter([{ phase: 'x', done: 0, total: 0, elapsedMs: 5000 }])).toEqual([null]);
  });
});
