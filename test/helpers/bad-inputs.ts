// Inputs that are not images, and places that cannot be written: made in a temporary folder, plus the checks
// every refusal must pass (one line on stderr, exit 1 or 2, nothing created or changed).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PLATTER_BIN, cli, platter } from './cli';
import type { CliResult } from './cli';

export type Kind =
  | 'a directory'
  | 'an empty file'
  | 'a 511-byte file'
  | 'random bytes'
  | 'a missing path'
  | 'an unreadable file'
  | 'a FIFO';

export const KINDS: readonly Kind[] = [
  'a directory',
  'an empty file',
  'a 511-byte file',
  'random bytes',
  'a missing path',
  'an unreadable file',
  'a FIFO',
];

/** What the error line says when a command that reads an image is given each kind. */
export const READ_MESSAGE: Record<Kind, RegExp> = {
  'a directory': /is a folder, not an image file/,
  'an empty file': /is not a (.*, )?VHD/,
  'a 511-byte file': /is not a (.*, )?VHD/,
  'random bytes': /is not a (.*, )?VHD/,
  'a missing path': /does not exist/,
  'an unreadable file': /permission denied/,
  // Opening a FIFO would wait for a writer forever; it is refused at once instead.
  'a FIFO': /is not a regular file/,
};

const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;
/** As root every file is readable and every folder writable: those cases run the command as "nobody". */
export const nobodyCanRun =
  isRoot && spawnSync(process.execPath, [PLATTER_BIN, '--version'], { uid: NOBODY, gid: NOBODY }).status === 0;

export function runAsNobody(...argv: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [PLATTER_BIN, ...argv], { uid: NOBODY, gid: NOBODY }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export const RUNNERS = { 'in-process': cli, 'child process': platter } as const;
export type RunnerName = keyof typeof RUNNERS;

/** The cases a runner can show: denials need an unprivileged child process when the tests run as root. */
export function kindsFor(runner: RunnerName): Kind[] {
  return KINDS.filter((k) => k !== 'an unreadable file' || !isRoot || (runner === 'child process' && nobodyCanRun));
}

/** Makes the input in `dir`; returns its path. */
export async function makeInput(dir: string, kind: Kind, name = 'input.vhd'): Promise<string> {
  const path = join(dir, name);
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
      await chmod(dir, 0o755); // so that "nobody" may look inside the folder and meet the file's own permissions
      break;
    case 'a FIFO':
      execFileSync('mkfifo', [path]);
      break;
  }
  return path;
}

/** Names, sizes, modes, times and contents of everything under `dir`. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
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
export function expectOneErrorLine(r: CliResult): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^platter: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/\b(TypeError|ReferenceError|RangeError|unexpected error)\b/);
  expect([1, 2]).toContain(r.code);
}
