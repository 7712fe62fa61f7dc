// Every command given something that is not an image: one line on stderr, exit 1 or 2, and no file created or
// changed. Run both in-process and as the built command in a child process.
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATTER_BIN, cli, platter } from '../../helpers/cli';
import type { CliResult } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

type Kind =
  'a directory' | 'an empty file' | 'a 511-byte file' | 'random bytes' | 'a missing path' | 'an unreadable file';
const KINDS: readonly Kind[] = [
  'a directory',
  'an empty file',
  'a 511-byte file',
  'random bytes',
  'a missing path',
  'an unreadable file',
];

/** What the one error line must say for each kind of input an image command reads. */
const READ_MESSAGE: Record<Kind, RegExp> = {
  'a directory': /is a folder, not an image file/,
  'an empty file': /is not a VHD/,
  'a 511-byte file': /is not a VHD/,
  'random bytes': /is not a VHD/,
  'a missing path': /does not exist/,
  'an unreadable file': /permission denied/,
};

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
/**
 * Root reads a file whatever its mode, and these tests run as root (here and in CI). So, as root, the unreadable
 * case runs the built command as the unprivileged user "nobody" when that user can run it; without that (as root on
 * a machine where "nobody" cannot reach the checkout) the case is left out, since no process could see the denial.
 */
const nobodyCanRun =
  isRoot && spawnSync(process.execPath, [PLATTER_BIN, '--version'], { uid: NOBODY, gid: NOBODY }).status === 0;
const kindsFor = (runner: string) =>
  KINDS.filter((k) => k !== 'an unreadable file' || !isRoot || (runner === 'child process' && nobodyCanRun));

function runAsNobody(...argv: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [PLATTER_BIN, ...argv], { uid: NOBODY, gid: NOBODY }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const runners = {
  'in-process': cli,
  'child process': platter,
} as const;

const newTempDir = useTempDirs();

/** A temporary folder holding the input; returns the input's path. */
async function makeInput(dir: string, kind: Kind): Promise<string> {
  const path = join(dir, 'input.vhd');
  switch (kind) {
    case 'a directory':
      await mkdir(path);
      await writeFile(join(path, 'inside.vhd'), 'x');
      break;
    case 'an empty file':
      await writeFile(path, new Uint8Array(0));
      break;
    case 'a 511-byte file':
      await writeFile(path, new Uint8Array(511));
      break;
    case 'random bytes':
      await writeFile(path, randomBytes(64 * 1024));
      break;
    case 'a missing path':
      break;
    case 'an unreadable file':
      await writeFile(path, randomBytes(4096));
      await chmod(path, 0o000);
      // So that "nobody" may look inside the folder and meet the file's own permissions.
      await chmod(dir, 0o755);
      break;
  }
  return path;
}

/** Names, sizes, modes, times and contents of everything under `dir`. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    const s = await stat(path);
    const content =
      s.isFile() && (s.mode & 0o444) !== 0
        ? createHash('sha256')
            .update(await readFile(path))
            .digest('hex')
        : '';
    out[name] = `${s.mode} ${s.size} ${s.mtimeMs} ${content}`;
  }
  return out;
}

/** One error line, no stack trace, nothing on stdout, exit 1 or 2. */
function expectOneErrorLine(r: CliResult): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^platter: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/\b(TypeError|ReferenceError|RangeError|unexpected error)\b/);
  expect([1, 2]).toContain(r.code);
}

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

describe.each(Object.keys(runners) as (keyof typeof runners)[])('bad inputs (%s)', (runnerName) => {
  for (const c of CASES) {
    describe(c.name, () => {
      it.each(kindsFor(runnerName))('%s', async (kind) => {
        const dir = await newTempDir();
        const input = await makeInput(dir, kind);
        const before = await snapshot(dir);
        const run = kind === 'an unreadable file' && isRoot ? runAsNobody : runners[runnerName];
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
      expect(r.stderr).toMatch(/is not a VHD/);
    }
    expect(await snapshot(dir)).toEqual(before);
  });
});
