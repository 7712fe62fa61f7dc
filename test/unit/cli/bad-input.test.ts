// Every command given something that is not an image: one line on stderr, exit 1 or 2, and no file created or
// changed. Run both in-process and as the built command in a child process.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  READ_MESSAGE,
  RUNNERS,
  expectOneErrorLine,
  isRoot,
  kindsFor,
  makeInput,
  runAsNobody,
  snapshot,
} from '../../helpers/bad-inputs';
import type { Kind } from '../../helpers/bad-inputs';
import { cli, platter } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const newTempDir = useTempDirs();

interface Case {
  readonly name: string;
  readonly argv: (input: string, dir: string, kind: Kind) => string[];
  readonly message: (kind: Kind) => RegExp;
}

const CASES: readonly Case[] = [
  { name: 'info', argv: (p) => ['info', p], message: (k) => READ_MESSAGE[k] },
  { name: 'info --json', argv: (p) => ['info', '--json', p], message: (k) => READ_MESSAGE[k] },
  { name: 'hash', argv: (p) => ['hash', p], message: (k) => READ_MESSAGE[k] },
  { name: 'check', argv: (p) => ['check', p], message: (k) => READ_MESSAGE[k] },
  { name: 'check --json', argv: (p) => ['check', '--json', p], message: (k) => READ_MESSAGE[k] },
  {
    name: 'create --parent',
    argv: (p, dir) => ['create', join(dir, 'child.vhd'), '--parent', p],
    message: (k) => READ_MESSAGE[k],
  },
  {
    // The output path: an existing one of any kind is refused; a missing one gets a folder that does not exist.
    name: 'create (as the output)',
    argv: (p, _dir, k) => ['create', k === 'a missing path' ? join(p, 'disk.vhd') : p, '--size', '1M'],
    message: (k) =>
      k === 'a missing path'
        ? /does not exist/
        : // As "nobody", the folder is not writable, which is found first.
          k === 'an unreadable file' && isRoot
          ? /permission denied/
          : /already exists/,
  },
];

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])('bad inputs (%s)', (runnerName) => {
  for (const c of CASES) {
    describe(c.name, () => {
      it.each(kindsFor(runnerName))('%s', async (kind) => {
        const dir = await newTempDir();
        const input = await makeInput(dir, kind);
        const before = await snapshot(dir);
        const run = kind === 'an unreadable file' && isRoot ? runAsNobody : RUNNERS[runnerName];
        const r = await run(...c.argv(input, dir, kind));
        expectOneErrorLine(r);
        expect(r.stderr).toMatch(c.message(kind));
        expect(await snapshot(dir)).toEqual(before);
      });
    });
  }
});

describe('--debug', () => {
  it.each(['info', 'hash', 'check'])('%s adds the stack trace after the error line', async (command) => {
    const dir = await newTempDir();
    const missing = join(dir, 'missing.vhd');
    for (const run of [cli, platter]) {
      const plain = await run(command, missing);
      expectOneErrorLine(plain);
      const debug = await run(command, missing, '--debug');
      expect(debug.code).toBe(plain.code);
      const [first, ...rest] = debug.stderr.split('\n');
      expect(`${first}\n`).toBe(plain.stderr);
      expect(rest.join('\n')).toMatch(/^PlatterError: .*does not exist\n\s+at /);
    }
  });

  it('create adds the stack trace too', async () => {
    const dir = await newTempDir();
    const r = await cli('create', join(dir, 'disk.vhd'), '--size', '1000', '--debug');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^platter: [^\n]+\nPlatterError: [^\n]+\n\s+at /);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('damaged images', () => {
  /** Makes an image with `create`, then lets `damage` change its bytes. */
  async function damaged(args: string[], damage: (bytes: Buffer) => Buffer): Promise<{ dir: string; path: string }> {
    const dir = await newTempDir();
    const path = join(dir, 'disk.vhd');
    expect((await cli('create', path, ...args)).code).toBe(0);
    await writeFile(path, damage(await readFile(path)));
    return { dir, path };
  }

  const CASES: readonly [string, string[], (b: Buffer) => Buffer, RegExp, string][] = [
    [
      'a dynamic header without its cookie',
      ['--size', '4M'],
      (b) => (b.write('XXXXXXXX', 512, 'latin1'), b),
      /dynamic header has no "cxsparse" cookie/,
      'VHD_HEADER_INVALID',
    ],
    [
      'a block size that is not a power of two',
      ['--size', '4M'],
      (b) => (b.writeUInt32BE(3 * 1024 * 1024, 512 + 32), b),
      /block size 3145728 is not a power of two/,
      'VHD_HEADER_INVALID',
    ],
    [
      'a fixed disk cut short',
      ['--size', '2M', '--type', 'fixed'],
      (b) => Buffer.concat([b.subarray(0, 1024 * 1024), b.subarray(b.length - 512)]),
      /holds 1048576 bytes of data but its footer says the disk is 2097152 bytes/,
      'VHD_TRUNCATED',
    ],
  ];

  it.each(CASES)(
    '%s: info and hash print one error line, check lists the problem',
    async (_what, args, damage, message, code) => {
      const { dir, path } = await damaged(args, damage);
      const before = await snapshot(dir);
      for (const command of ['info', 'hash']) {
        const r = await cli(command, path);
        expectOneErrorLine(r);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(message);
      }
      const r = await cli('check', path);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(code);
      expect(await snapshot(dir)).toEqual(before);
    },
  );

  it('an image whose footer and footer copy are both gone is not a VHD', async () => {
    const { dir, path } = await damaged(['--size', '4M'], (b) => {
      b.fill(0, 0, 8);
      b.fill(0, b.length - 512, b.length - 504);
      return b;
    });
    const before = await snapshot(dir);
    for (const command of ['info', 'hash', 'check']) {
      const r = await cli(command, path);
      expectOneErrorLine(r);
      expect(r.stderr).toMatch(/is not a (.*, )?VHD/);
    }
    expect(await snapshot(dir)).toEqual(before);
  });
});
