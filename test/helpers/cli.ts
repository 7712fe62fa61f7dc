import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { runCli } from '../../electron/cli/main';

export const PLATTER_BIN = resolve(__dirname, '../../bin/platter.mjs');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, capturing its output. */
export async function cli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    interactive: false,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Runs the built `platter` command as a user would, in a child process. */
export function platter(...argv: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [PLATTER_BIN, ...argv], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
