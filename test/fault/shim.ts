// Builds native/fault-inject.c (an LD_PRELOAD shim) once per source version, and runs the `platter` command under
// it: the Nth write, fsync, truncate or rename on a file in one folder fails with a chosen errno.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, realpath, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PLATTER_BIN } from '../helpers/cli';

const SOURCE = resolve(__dirname, '../../native/fault-inject.c');

function hasCompiler(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the shim can work here: Linux (glibc, /proc/self/fd) with a C compiler. CI must have both. */
export const shimSupported = process.platform === 'linux' && hasCompiler();
if (process.env.CI === 'true' && !shimSupported)
  throw new Error('CI must run the fault tests: they need Linux and a C compiler (cc)');

/** Compiles the shim beside the system's temporary files, named by its source's hash (concurrent builds agree). */
async function buildShim(): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `platter-fault-inject-${digest}.so`);
  if (existsSync(path)) return path;
  const temp = `${path}.${process.pid}.tmp`;
  await new Promise<void>((done, fail) =>
    execFile('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', temp, SOURCE, '-ldl'], (err, _out, stderr) =>
      err ? fail(new Error(`cc failed to build the fault shim: ${stderr}`)) : done(),
    ),
  );
  await rename(temp, path);
  return path;
}

let built: Promise<string> | undefined;
export const shimPath = () => (built ??= buildShim());

export type FaultKind = 'write' | 'fsync' | 'truncate' | 'rename' | 'writeback' | 'dirsync';
export const FAULT_KINDS: readonly FaultKind[] = ['write', 'fsync', 'truncate', 'rename'];
export type FaultErrno = 'EIO' | 'ENOSPC';
export const FAULT_ERRNOS: readonly FaultErrno[] = ['EIO', 'ENOSPC'];

export interface Fault {
  readonly kind: FaultKind;
  readonly at: number;
  readonly errno: FaultErrno | 'EROFS';
}

export interface FaultRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The faults the shim injected, one line each ("fault write 2 pwrite64 ... PATH"). */
  readonly injected: readonly string[];
  /** How many calls of each kind touched the folder. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Runs `platter args` with the shim watching `dir`; without a fault it only counts. */
export function runWithFault(args: readonly string[], dir: string, fault?: Fault): Promise<FaultRun> {
  return runUnderShim([PLATTER_BIN, ...args], dir, fault);
}

/** Runs Node with `nodeArgs` and the shim watching `dir`. */
export async function runUnderShim(nodeArgs: readonly string[], dir: string, fault?: Fault): Promise<FaultRun> {
  const report = join(tmpdir(), `platter-fault-${process.pid}-${Math.random().toString(16).slice(2)}.report`);
  const env = {
    ...process.env,
    LD_PRELOAD: await shimPath(),
    PLATTER_FAULT_DIR: await realpath(dir),
    PLATTER_FAULT_REPORT: report,
    ...(fault && {
      PLATTER_FAULT_OP: fault.kind,
      PLATTER_FAULT_AT: String(fault.at),
      PLATTER_FAULT_ERRNO: fault.errno,
    }),
  };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [...nodeArgs], { env }, (err, out, errOut) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: out, stderr: errOut }),
    ),
  );
  const lines = (await readFile(report, 'utf8').catch(() => '')).split('\n');
  await rm(report, { force: true });
  const countLine = lines.find((l) => l.startsWith('counts ')) ?? '';
  const counts = Object.fromEntries(
    countLine
      .split(' ')
      .slice(1)
      .map((pair) => pair.split('='))
      .map(([kind, n]) => [kind!, Number(n)]),
  );
  return { code, stdout, stderr, injected: lines.filter((l) => l.startsWith('fault ')), counts };
}
