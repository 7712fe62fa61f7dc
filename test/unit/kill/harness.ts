// Kills the built `platter` command (SIGKILL) at many points of an operation and checks what it left. Points are
// exact, by write count (PLATTER_TEST_KILL_AFTER_WRITES, read by image/random-access-file.ts: the process kills
// itself right after its Nth write or truncate), and spread in time (a kill from outside after a delay).
//
// After each kill, qemu-img, libvhdi and Platter read every watched image (readers.ts): each must read its old
// content or its new one, all alike. Where an undo journal remains, the next Platter open of the image must roll
// the change back, and all three then read the old content. Then the operation runs again, which must clean up
// and give the new content. An operation is one row (rows-*.ts).
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { TEMP_PATTERN } from '../../../electron/engine/io/output-file';
import { PLATTER_BIN } from '../../helpers/cli';
import { sha256File } from '../../helpers/data';
import { ReadingCache, judge, judgeBetween, unreadable } from './readers';
import type { Readings, Watched } from './readers';
import { rollBackByOpening } from './roll-back';

export interface KillSetup {
  /** `platter` arguments. */
  readonly args: readonly string[];
  /** The images the operation changes or writes: after any kill each reads its old content or its new one. */
  readonly watched: readonly Watched[];
  /** Files the operation only reads: byte for byte the same after any kill. */
  readonly sources: readonly string[];
  /** Files the folder may hold besides leftovers: inputs, and outputs it keeps. */
  readonly products: readonly string[];
  /** Runs the operation again, in-process, as a user would after the crash (it must clean the leftovers). */
  rerun(): Promise<void>;
  /** Platter's content hash of each watched image after an uncut run, where the row knows it by itself. */
  readonly expected?: Readonly<Record<string, string>>;
}

export interface KillRow {
  readonly name: string;
  /** The fewest runs the write points must kill: a row that cuts nothing short tests nothing. */
  readonly minKills: number;
  /** The image is damaged before the operation (check --repair): readers may fail on its old state. */
  readonly damaged?: boolean;
  /** Builds the inputs in `dir`. */
  setup(dir: string): Promise<KillSetup>;
}

/** Every write count up to this one is a kill point, until a run gets through uncut. */
export const MAX_WRITE_POINT = 30;
/**
 * Kills from outside, at these fractions of the time an uncut run took: most of a run is Node starting up, so the
 * late fractions land in the operation itself. The command may finish first.
 */
export const TIME_FRACTIONS = [0.3, 0.5, 0.65, 0.75, 0.82, 0.88, 0.92, 0.95, 0.98, 1.02];

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
      else fail(new Error(`platter ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** Files in `dir` besides `products`. */
export async function leftovers(dir: string, products: readonly string[]): Promise<string[]> {
  const keep = new Set(products.map((p) => basename(p)));
  return (await readdir(dir)).filter((name) => !keep.has(name));
}

const JOURNAL = /^\.(.+)\.platter-undo$/;

/** A temporary output (or a half-written journal, named like one) or an undo journal. */
export function isRecognizable(name: string): boolean {
  return TEMP_PATTERN.test(name) || JOURNAL.test(name);
}

export interface KillReport {
  /** Kill points run (write counts and delays). */
  points: number;
  killed: number;
  /** Runs the write points killed (deterministic: the operation's writes before it completes). */
  killedByWrites: number;
  completed: number;
  /** Kills that left an undo journal. */
  journals: number;
  /** Kills that left a temporary file (an output or a journal not yet in place). */
  temps: number;
  /** Journals whose image qemu-img or libvhdi read as neither old nor new before the roll-back (not a failure). */
  mixedBeforeRollBack: number;
  /** Every broken promise, one line each. */
  failures: string[];
}

interface Reference {
  readonly old: Map<string, Readings>;
  readonly next: Map<string, Readings>;
  readonly ms: number;
}

/** An uncut run: what each watched image reads before and after, and how long it took. */
async function reference(row: KillRow, dir: string, cache: ReadingCache, report: KillReport): Promise<Reference> {
  const c = await row.setup(dir);
  const readAll = async () =>
    new Map(await Promise.all(c.watched.map(async (w) => [basename(w.path), await cache.read(w)] as const)));
  const old = await readAll();
  const { ms } = await runPlatter(c.args, {});
  const next = await readAll();
  const fail = (message: string) => report.failures.push(`${row.name}, uncut: ${message}`);
  for (const [name, readings] of old) if (!row.damaged) unreadable(name, readings).forEach((p) => fail(`before: ${p}`));
  for (const [name, readings] of next) unreadable(name, readings).forEach((p) => fail(`after: ${p}`));
  for (const [path, hash] of Object.entries(c.expected ?? {})) {
    const readings = next.get(basename(path));
    const value = (readings?.platter ?? readings?.bytes)?.value;
    if (value !== hash) fail(`${basename(path)} reads ${value}, not the expected ${hash}`);
  }
  const left = await leftovers(dir, c.products);
  if (left.length) fail(`left ${left.join(', ')}`);
  return { old, next, ms };
}

/** One kill point: a fresh folder, a run cut at `point`, and every check. */
async function killAt(
  row: KillRow,
  dir: string,
  cache: ReadingCache,
  ref: Reference,
  point: { writes?: number; ms?: number; index: number },
  report: KillReport,
): Promise<RunOutcome | null> {
  const where = point.writes ? `killed after write ${point.writes}` : `killed after ${point.ms} ms`;
  const fail = (message: string) => report.failures.push(`${row.name}, ${where}: ${message}`);
  const c = await row.setup(dir);
  const sources = await Promise.all(c.sources.map(sha256File));
  const env: Record<string, string> = point.writes ? { PLATTER_TEST_KILL_AFTER_WRITES: String(point.writes) } : {};
  const run = await runPlatter(c.args, env, point.ms).catch((err: Error) => {
    fail(err.message);
    return null;
  });
  if (!run) return null;
  report.points++;
  report[run.outcome]++;
  if ((await Promise.all(c.sources.map(sha256File))).some((h, i) => h !== sources[i])) fail('a source changed');
  const left = await leftovers(dir, c.products);
  for (const name of left.filter((n) => !isRecognizable(n))) fail(`left ${name}, which no run recognizes`);
  if (left.some((n) => TEMP_PATTERN.test(n))) report.temps++;
  const journaled = new Set(left.flatMap((n) => JOURNAL.exec(n)?.[1] ?? []));
  if (journaled.size) report.journals++;
  for (const w of c.watched) {
    const name = basename(w.path);
    const [old, next] = [ref.old.get(name)!, ref.next.get(name)!];
    if (w.between) {
      for (const p of judgeBetween(await cache.read(w))) fail(`${name}: ${p}`);
      continue;
    }
    if (!journaled.has(name)) {
      for (const p of judge(await cache.read(w), old, next)) fail(`${name}: ${p}`);
      continue;
    }
    // The journal's contract: the next Platter open rolls the change back; then all three read the old content.
    if (judge(await cache.read(w, false), old, next).length) report.mixedBeforeRollBack++;
    // An image Platter could not read before the change (one check --repair fixes) need not open now either.
    const opened = await rollBackByOpening(w.path, point.index);
    if (opened && !old.platter?.value.startsWith('unreadable')) fail(`${name}: ${opened}`);
    if ((await leftovers(dir, c.products)).includes(`.${name}.platter-undo`))
      fail(`${name}: its undo journal is still there after the next Platter open`);
    for (const p of judge(await cache.read(w), old, next, 'old')) fail(`${name}, once opened again: ${p}`);
  }
  try {
    await c.rerun();
  } catch (err) {
    fail(`running it again failed: ${(err as Error).message}`);
  }
  const after = await leftovers(dir, c.products);
  if (after.length) fail(`running it again left ${after.join(', ')}`);
  for (const w of c.watched) {
    const name = basename(w.path);
    const problems = judge(await cache.read(w), ref.old.get(name)!, ref.next.get(name)!, 'new');
    for (const p of problems) fail(`${name}, after running it again: ${p}`);
  }
  return run.outcome;
}

/** Runs every kill point of a row; `newDir` gives a fresh folder for each. */
export async function killEverywhere(row: KillRow, newDir: () => Promise<string>): Promise<KillReport> {
  const report: KillReport = {
    points: 0,
    killed: 0,
    killedByWrites: 0,
    completed: 0,
    journals: 0,
    temps: 0,
    mixedBeforeRollBack: 0,
    failures: [],
  };
  const cache = new ReadingCache(await newDir());
  const ref = await reference(row, await newDir(), cache, report);
  let index = 0;
  for (let writes = 1; writes <= MAX_WRITE_POINT; writes++) {
    const outcome = await killAt(row, await newDir(), cache, ref, { writes, index: index++ }, report);
    if (outcome === 'killed') report.killedByWrites++;
    if (outcome === 'completed') break;
  }
  for (const f of TIME_FRACTIONS) {
    const point = { ms: Math.round(ref.ms * f), index: index++ };
    await killAt(row, await newDir(), cache, ref, point, report);
  }
  return report;
}

/** One line of counts, for PLATTER_KILL_VERBOSE. */
export function formatReport(name: string, r: KillReport): string {
  return `${name}: ${r.points} kill points, ${r.killed} killed (${r.killedByWrites} at a write), ${r.completed} completed, ${r.journals} left a journal, ${r.temps} a temporary file, ${r.mixedBeforeRollBack} read mixed before the roll-back; ${r.failures.length} failures`;
}
