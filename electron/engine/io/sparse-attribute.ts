// Whether Windows marks a file sparse. Hyper-V refuses to attach a VHDX whose file is ("must not be sparse").
// Node's fs has no call that sets the attribute, so nothing Platter writes on Windows is marked sparse; a file
// copied or downloaded by a tool that keeps the attribute can be, and `info` says so. Elsewhere the question does
// not arise (holes in a Linux or macOS file are no attribute, and Hyper-V never sees them).
import { execFile } from 'node:child_process';

/** Runs PowerShell with `script`, the path in an environment variable (no quoting of the path in the script). */
export type PowerShell = (script: string, path: string) => Promise<string>;

const powerShell: PowerShell = (script, path) =>
  new Promise((resolve, reject) => {
    execFile(
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-Command', script],
      { env: { ...process.env, PLATTER_PATH: path }, timeout: 10_000, windowsHide: true },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });

/** FILE_ATTRIBUTE_SPARSE_FILE. */
const SPARSE = 0x200;
const QUERY = `[int]((Get-Item -LiteralPath $env:PLATTER_PATH -Force).Attributes -band ${SPARSE})`;

/** True or false on Windows; null elsewhere, or when Windows could not be asked. */
export async function markedSparse(
  path: string,
  platform: NodeJS.Platform = process.platform,
  run: PowerShell = powerShell,
): Promise<boolean | null> {
  if (platform !== 'win32') return null;
  const answer = await run(QUERY, path).then(
    (out) => out.trim(),
    () => '',
  );
  return answer === String(SPARSE) ? true : answer === '0' ? false : null;
}

export function sparseWarning(path: string): string {
  return `${path} is marked sparse, which Hyper-V refuses ("must not be sparse"): clear the mark with \`fsutil sparse setflag "${path}" 0\`, or copy it with \`platter convert\` (what Platter writes is never marked sparse)`;
}
