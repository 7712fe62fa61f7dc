// One fault case: run the operation with one call failing, then check what it said and what it left.
import { basename } from 'node:path';
import { sha256File } from '../helpers/data';
import { leftovers } from '../unit/kill/harness';
import { judge, unreadable } from '../unit/kill/readers';
import type { ReadingCache, Readings } from '../unit/kill/readers';
import type { FaultOperation } from './fault-cases';
import { runWithFault } from './shim';
import type { Fault } from './shim';

/** What an in-place operation's error must say once it has put the image back. */
export const LEFT_AS_IT_WAS = 'the image was left as it was';

/** Names that must never reach the user: temporary outputs and undo journals. */
const HIDDEN_NAME = /\.platter-(\d+-[0-9a-f]{8}\.tmp|tmp|undo)/;

/**
 * Each watched image's readings before the operation, by file name (the same in every fresh folder). Throws
 * where a reader cannot read a sound image: a case would then pass whenever that reader fails alike.
 */
export async function readingsBefore(op: FaultOperation, dir: string, cache: ReadingCache) {
  const c = await op.row.setup(dir);
  const entries = await Promise.all(c.watched.map(async (w) => [basename(w.path), await cache.read(w)] as const));
  const problems = op.row.damaged ? [] : entries.flatMap(([name, readings]) => unreadable(name, readings));
  if (problems.length) throw new Error(problems.join('\n'));
  return new Map<string, Readings>(entries);
}

/** Runs `op` in `dir` (fresh) with `fault`; returns every broken promise, one line each. */
export async function checkFault(
  op: FaultOperation,
  fault: Fault,
  dir: string,
  cache: ReadingCache,
  before: ReadonlyMap<string, Readings>,
): Promise<string[]> {
  const problems: string[] = [];
  const c = await op.row.setup(dir);
  const sources = await Promise.all(c.sources.map(sha256File));
  const run = await runWithFault(c.args, dir, fault);
  if (run.injected.length !== 1) problems.push(`the shim injected ${run.injected.length} faults, not 1`);
  if (run.code !== 1) problems.push(`exit code ${run.code}, not 1`);
  const message = run.stderr;
  if (!/^platter: [^\n]*\n$/.test(message))
    problems.push(`stderr is not one "platter: " line: ${JSON.stringify(message)}`);
  const named = [...c.watched.map((w) => w.path), ...c.sources];
  if (!named.some((path) => message.includes(path))) problems.push(`the message names none of ${named.join(', ')}`);
  if (HIDDEN_NAME.test(message)) problems.push('the message names a hidden temporary file or journal');
  if (op.inPlace && !message.includes(LEFT_AS_IT_WAS)) problems.push(`the message does not say "${LEFT_AS_IT_WAS}"`);
  const left = await leftovers(dir, c.products);
  if (left.length) problems.push(`left ${left.join(', ')}`);
  if ((await Promise.all(c.sources.map(sha256File))).some((h, i) => h !== sources[i]))
    problems.push('a source changed');
  for (const w of c.watched) {
    const name = basename(w.path);
    for (const p of judge(await cache.read(w), before.get(name)!, {}, 'old')) problems.push(`${name}: ${p}`);
  }
  if (problems.length) problems.push(`(it printed ${JSON.stringify(message)})`);
  return problems;
}
