// convert, compact and check --repair given things that are not images, and outputs that cannot be written; and
// every command given a FIFO (which would hang a plain open). Each refusal is one line, exit 1 or 2, and leaves the
// folder exactly as it was. Run in-process and as the built command (as "nobody" for the permission cases).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertImage } from '../../../electron/engine/ops/convert';
import { seededBytes } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import {
  READ_MESSAGE,
  RUNNERS,
  expectOneErrorLine,
  isRoot,
  kindsFor,
  makeInput,
  nobodyCanRun,
  runAsNobody,
  snapshot,
} from '../../helpers/bad-inputs';
import type { Kind, RunnerName } from '../../helpers/bad-inputs';

const newTempDir = useTempDirs();

interface InputCase {
  readonly name: string;
  readonly argv: (input: string, dir: string) => string[];
  /** The error for each kind; null where the input is a valid raw disk and the command succeeds. */
  readonly message: (kind: Kind) => RegExp | null;
}

const INPUT_CASES: readonly InputCase[] = [
  {
    name: 'convert IN OUT.vhd',
    argv: (p, dir) => ['convert', p, join(dir, 'out.vhd')],
    // convert reads any file as a raw disk: a 511-byte file or random bytes are disks (padded to a sector).
    message: (k) =>
      k === 'a 511-byte file' || k === 'random bytes'
        ? null
        : k === 'an empty file'
          ? /size 0 is not a positive number of bytes/
          : READ_MESSAGE[k],
  },
  { name: 'compact IMAGE', argv: (p) => ['compact', p], message: (k) => READ_MESSAGE[k] },
  {
    name: 'compact IMAGE --output OUT',
    argv: (p, dir) => ['compact', p, '--output', join(dir, 'out.vhd')],
    message: (k) => READ_MESSAGE[k],
  },
  { name: 'check --repair', argv: (p) => ['check', '--repair', p], message: (k) => READ_MESSAGE[k] },
  {
    name: 'check --repair --dry-run',
    argv: (p) => ['check', '--repair', '--dry-run', p],
    message: (k) => READ_MESSAGE[k],
  },
];

describe.each(Object.keys(RUNNERS) as RunnerName[])('hostile inputs (%s)', (runnerName) => {
  for (const c of INPUT_CASES) {
    describe(c.name, () => {
      it.each(kindsFor(runnerName))('%s', async (kind) => {
        const dir = await newTempDir();
        const input = await makeInput(dir, kind);
        const before = await snapshot(dir);
        const run = kind === 'an unreadable file' && isRoot ? runAsNobody : RUNNERS[runnerName];
        const r = await run(...c.argv(input, dir));
        const message = c.message(kind);
        if (message === null) {
          expect(r.code).toBe(0);
          expect((await RUNNERS['in-process']('check', join(dir, 'out.vhd'))).code).toBe(0);
          return;
        }
        expectOneErrorLine(r);
        expect(r.stderr).toMatch(message);
        expect(await snapshot(dir)).toEqual(before);
      });
    });
  }

  it.each([
    ['info', (p: string) => ['info', p]],
    ['hash', (p: string) => ['hash', p]],
    ['check', (p: string) => ['check', p]],
    ['create --parent', (p: string) => ['create', `${p}.child.vhd`, '--parent', p]],
  ])('%s refuses a FIFO at once', async (_name, argv) => {
    const dir = await newTempDir();
    const fifo = await makeInput(dir, 'a FIFO');
    const before = await snapshot(dir);
    const r = await RUNNERS[runnerName](...argv(fifo));
    expectOneErrorLine(r);
    expect(r.stderr).toMatch(READ_MESSAGE['a FIFO']);
    expect(await snapshot(dir)).toEqual(before);
  });
});

type Output = 'an existing file' | 'a directory' | 'a FIFO' | 'a missing folder' | 'a folder it cannot write';

const OUTPUT_MESSAGE: Record<Output, RegExp> = {
  'an existing file': /already exists/,
  'a directory': /already exists/,
  'a FIFO': /already exists/,
  'a missing folder': /does not exist/,
  'a folder it cannot write': /permission denied/,
};

/** A sound raw disk and a dynamic VHD made from it, readable by anyone; the output path of each kind. */
async function outputSetup(dir: string, kind: Output) {
  await chmod(dir, 0o755);
  const raw = join(dir, 'disk.img');
  await writeFile(raw, seededBytes('disk', 256 * 1024));
  const vhd = join(dir, 'disk.vhd');
  await convertImage({ input: raw, output: vhd });
  await Promise.all([chmod(raw, 0o644), chmod(vhd, 0o644)]);
  let out = join(dir, 'out.vhd');
  if (kind === 'an existing file') await writeFile(out, 'keep me');
  if (kind === 'a directory') await mkdir(out);
  if (kind === 'a FIFO') await makeInput(dir, 'a FIFO', 'out.vhd');
  if (kind === 'a missing folder') out = join(dir, 'missing', 'out.vhd');
  if (kind === 'a folder it cannot write') {
    const locked = join(dir, 'locked');
    await mkdir(locked, { mode: 0o755 });
    out = join(locked, 'out.vhd');
  }
  return { raw, vhd, out };
}

const OUTPUTS: Output[] = ['an existing file', 'a directory', 'a FIFO', 'a missing folder'];
if (!isRoot || nobodyCanRun) OUTPUTS.push('a folder it cannot write');

describe('hostile outputs', () => {
  const runner = (kind: Output) =>
    kind === 'a folder it cannot write' && isRoot ? runAsNobody : RUNNERS['child process'];

  it.each(OUTPUTS)('convert to %s', async (kind) => {
    const dir = await newTempDir();
    const { raw, out } = await outputSetup(dir, kind);
    const before = await snapshot(dir);
    const r = await runner(kind)('convert', raw, out);
    expectOneErrorLine(r);
    expect(r.stderr).toMatch(OUTPUT_MESSAGE[kind]);
    expect(await snapshot(dir)).toEqual(before);
  });

  it.each(OUTPUTS)('compact --output to %s', async (kind) => {
    const dir = await newTempDir();
    const { vhd, out } = await outputSetup(dir, kind);
    const before = await snapshot(dir);
    const r = await runner(kind)('compact', vhd, '--output', out);
    expectOneErrorLine(r);
    expect(r.stderr).toMatch(OUTPUT_MESSAGE[kind]);
    expect(await snapshot(dir)).toEqual(before);
  });

  const inPlace = [
    ['compact', (p: string) => ['compact', p]],
    ['check --repair', (p: string) => ['check', '--repair', p]],
  ] as const;
  // As root, only "nobody" meets a folder it cannot write; without that user the case cannot be shown.
  if (!isRoot || nobodyCanRun)
    it.each(inPlace)('%s in place, in a folder it cannot write', async (_name, argv) => {
      const dir = await newTempDir();
      await chmod(dir, 0o755);
      const locked = join(dir, 'locked');
      await mkdir(locked, { mode: 0o755 });
      const { vhd } = await outputSetup(locked, 'an existing file');
      await chmod(locked, 0o755);
      // A damaged copy, so that check --repair has something to write.
      await writeFile(vhd, Buffer.alloc(512), { flag: 'r+' });
      const before = await snapshot(dir);
      const r = await (isRoot ? runAsNobody : RUNNERS['child process'])(...argv(vhd));
      expectOneErrorLine(r);
      expect(r.stderr).toMatch(/permission denied/);
      expect(await snapshot(dir)).toEqual(before);
    });
});

describe('check --dry-run', () => {
  it('goes with --repair only: a usage error, exit 2', async () => {
    const dir = await newTempDir();
    const r = await RUNNERS['in-process']('check', '--dry-run', join(dir, 'disk.vhd'));
    expectOneErrorLine(r);
    expect(r.code).toBe(2);
  });
});
