// Kills the built `platter` command (SIGKILL) at many points of an operation and checks what it left. Points are
// exact, by write count (PLATTER_TEST_KILL_AFTER_WRITES, read by image/random-access-file.ts: the process kills
// itself right after its Nth write or truncate), and spread in time (a kill from outside after a delay).
//
// An operation is one row (see rows.ts): how to set it up in a fresh folder, its command line, and what must hold
// after a kill, after the next run of the same operation, and at the end.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { expect } from 'vitest';
import { TEMP_PATTERN } from '../../../electron/engine/ops/output-file';
import { PLATTER_BIN } from '../../helpers/cli';
import { sha256File } from '../../helpers/data';

export interface KillCase {
  /** `platter` arguments. */
  readonly args: readonly string[];
  /** Files the operation only reads: byte for byte the same after any kill. */
  readonly sources: readonly string[];
  /** Files the operation's folder may hold besides leftovers: the inputs and the outputs it keeps. */
  readonly products: readonly string[];
  /** Checks what a kill left (before anything cleans up). */
  afterKill(): Promise<void>;
  /** Runs the operation again, in-process, as a user would after the crash (it must clean the leftovers). */
  rerun(): Promise<void>;
  /** Checks the finished result. */
  final(): Promise<void>;
}

export interface KillRow {
  readonly name: string;
  /** Builds the inputs in `dir`. */
  setup(dir: string): Promise<KillCase>;
}

/** Write counts to kill at: every one at first, then spread out, until a run gets through uncut. */
export const WRITE_POINTS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 19, 24, 30, 38, 48, 60, 75, 95, 120, 150, 190];
/**
 * Kills from outside, at these fractions of the time an uncut run took: most of a run is Node starting up, so the
 * late fractions land in the operation itself. The command may finish first.
 */
export const TIME_FRACTIONS = [0.5, 0.75, 0.85, 0.92, 0.97];

export type RunOutcome = 'killed' | 'completed';

/** Runs the built command; resolves how it ended, and when. Any other exit is a failure of the operation. */
export function runPlatter(args: readonly string[], env: Record<string, string>, killAfterMs?: number) {
  const started = performance.now();
  return new Promise<{ outcome: RunOutcome; ms: number }>((done, fail) => {
    const child = spawn(process.execPath, [PLATTER_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (signal === 'SIGKILL') done({ outcome: 'killed', ms });
      else if (code === 0) done({ outcome: 'completed', ms });
      else fail(new Error(`platter ${args.join(' ')} exited ${code ?? signal}: ${stderr}`));
    });
  });
}

/** Leftovers in `dir` besides `products`: each must be a recognizable temporary file or an undo journal. */
export async function leftovers(dir: string, products: readonly string[]): Promise<string[]> {
  const keep = new Set(products.map((p) => basename(p)));
  return (await readdir(dir)).filter((name) => !keep.has(name));
}

export function isRecognizable(name: string): boolean {
  return TEMP_PATTERN.test(name) || /^\..+\.platter-undo(\.tmp)?$/.test(name);
}

export interface KillReport {
  readonly killed: number;
  readonly completed: number;
  readonly leftovers: number;
}

/** One kill point: a fresh folder, a run cut at `point`, and every check. */
async function killAt(row: KillRow, dir: string, point: { writes?: number; ms?: number }) {
  const c = await row.setup(dir);
  const sources = await Promise.all(c.sources.map(sha256File));
  const env: Record<string, string> = point.writes ? { PLATTER_TEST_KILL_AFTER_WRITES: String(point.writes) } : {};
  const run = await runPlatter(c.args, env, point.ms);
  const where = point.writes ? `after write ${point.writes}` : `after ${point.ms} ms`;
  expect(await Promise.all(c.sources.map(sha256File)), `${row.name} ${where}: sources unchanged`).toEqual(sources);
  const left = await leftovers(dir, c.products);
  for (const name of left) expect(isRecognizable(name), `${row.name} ${where}: leftover ${name}`).toBe(true);
  await c.afterKill();
  await c.rerun();
  expect(await leftovers(dir, c.products), `${row.name} ${where}: the next run cleaned up`).toEqual([]);
  await c.final();
  return { ...run, leftovers: left.length > 0 };
}

/** Runs every kill point of a row; `newDir` gives a fresh folder for each. */
export async function killEverywhere(row: KillRow, newDir: () => Promise<string>): Promise<KillReport> {
  const report = { killed: 0, completed: 0, leftovers: 0 };
  const count = (run: { outcome: RunOutcome; leftovers: boolean }) => {
    report[run.outcome]++;
    if (run.leftovers) report.leftovers++;
  };
  let uncutMs = 0;
  for (const writes of WRITE_POINTS) {
    const run = await killAt(row, await newDir(), { writes });
    count(run);
    if (run.outcome === 'completed') {
      uncutMs = run.ms;
      break;
    }
  }
  for (const f of TIME_FRACTIONS) count(await killAt(row, await newDir(), { ms: Math.round(uncutMs * f) }));
  return report;
}
