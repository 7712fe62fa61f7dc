// One test per fault case, grouped by operation; PLATTER_FAULT_VERBOSE prints each operation's call counts and
// how many of its cases passed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir';
import { ReadingCache, peersInstalled } from '../unit/kill/readers';
import type { Readings } from '../unit/kill/readers';
import { describeFault, planFaults } from './fault-cases';
import type { FaultOperation, FaultPlan } from './fault-cases';
import { checkFault, readingsBefore } from './fault-check';
import { shimSupported } from './shim';

export const faultsRunnable = shimSupported && peersInstalled;

/** Plans the cases of `ops` (at collection: the table depends on what each operation calls). */
export async function planIfRunnable(ops: readonly FaultOperation[]): Promise<FaultPlan[]> {
  return faultsRunnable ? planFaults(ops) : [];
}

function verboseLine(plan: FaultPlan, failed: number): string {
  const counts = Object.entries(plan.counts)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(' ');
  return `${plan.op.name}: calls ${counts}; ${plan.faults.length} fault cases, ${plan.faults.length - failed} passed, ${failed} failed`;
}

export function faultSuite(title: string, plans: readonly FaultPlan[]): void {
  const newTempDir = useTempDirs();
  const scratch = mkdtemp(join(tmpdir(), 'platter-fault-scratch-'));
  const failed = new Map<FaultPlan, number>();
  afterAll(async () => {
    await rm(await scratch, { recursive: true, force: true });
    if (process.env.PLATTER_FAULT_VERBOSE)
      for (const plan of plans) console.log(verboseLine(plan, failed.get(plan) ?? 0));
  });
  describe.skipIf(!faultsRunnable)(title, () => {
    if (!faultsRunnable) it('needs Linux, cc, qemu-img and pyvhdi', () => undefined);
    for (const plan of plans) {
      let cache: ReadingCache | undefined;
      let before: Promise<Map<string, Readings>> | undefined;
      describe(plan.op.name, () => {
        it('writes and flushes its files (so its table has cases)', () => {
          // Every operation writes and flushes: a table without those cases would test nothing.
          expect(plan.counts.write, 'writes').toBeGreaterThan(0);
          expect(plan.counts.fsync, 'flushes').toBeGreaterThan(0);
        });
        it.each(plan.faults.map((f) => [describeFault(f), f] as const))('%s', async (_name, fault) => {
          cache ??= new ReadingCache(await scratch);
          before ??= newTempDir().then((dir) => readingsBefore(plan.op, dir, cache!));
          const problems = await checkFault(plan.op, fault, await newTempDir(), cache, await before);
          if (problems.length) failed.set(plan, (failed.get(plan) ?? 0) + 1);
          expect(problems).toEqual([]);
        });
      });
    }
  });
}
