// The fault table: for each operation (a kill row's setup, reused), a counting run under the shim says how many
// calls of each kind it makes on its folder; each kind then fails, with each errno, at call 1, 2, 3 and the last.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KillRow } from '../unit/kill/harness';
import { FAULT_ERRNOS, FAULT_KINDS, runWithFault } from './shim';
import type { Fault } from './shim';

export interface FaultOperation {
  readonly name: string;
  /** The setup, command line and watched images, as the kill test has them. */
  readonly row: KillRow;
  /** Changes an image in place (then a failure must say the image was left as it was). */
  readonly inPlace: boolean;
}

export interface FaultPlan {
  readonly op: FaultOperation;
  /** Calls of each kind an uncut run makes on its folder. */
  readonly counts: Readonly<Record<string, number>>;
  readonly faults: readonly Fault[];
}

/** Calls 1, 2, 3 and the last, of those the operation makes. */
export function positions(count: number): number[] {
  return [...new Set([1, 2, 3, count])].filter((n) => n >= 1 && n <= count).sort((a, b) => a - b);
}

/** Counts each operation's calls (an uncut run under the shim, which must succeed) and lists its faults. */
export async function planFaults(ops: readonly FaultOperation[]): Promise<FaultPlan[]> {
  const plans: FaultPlan[] = [];
  for (const op of ops) {
    const dir = await mkdtemp(join(tmpdir(), 'platter-fault-plan-'));
    try {
      const c = await op.row.setup(dir);
      const run = await runWithFault(c.args, dir);
      if (run.code !== 0) throw new Error(`${op.name} fails without a fault: ${run.stderr}`);
      const faults = FAULT_KINDS.flatMap((kind) =>
        positions(run.counts[kind] ?? 0).flatMap((at) => FAULT_ERRNOS.map((errno) => ({ kind, at, errno }))),
      );
      plans.push({ op, counts: run.counts, faults });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return plans;
}

export const describeFault = (f: Fault) => `${f.kind} #${f.at} fails with ${f.errno}`;
