// Which command-line arguments are files to open: the app's own argv at first start, and the argv a second
// instance forwards (with its working folder). Double-clicking an image runs `platter-app /path/disk.vhd`.
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OpenArgsOptions {
  /** The folder relative paths are taken from (a second instance's working folder). */
  readonly cwd: string;
  /** True when run as `electron PATH-TO-APP ...` (process.defaultApp): the first argument is the app. */
  readonly defaultApp: boolean;
}

/**
 * The arguments that name files, as absolute paths, in order, once each. Skipped: the executable, the app path
 * when run as `electron .`, switches (`--x`, `--x=y`, macOS's `-psn_...`), and anything that is not a path.
 * After `--` every argument is a path.
 */
export function pathsFromArgv(argv: readonly string[], options: OpenArgsOptions): string[] {
  const paths: string[] = [];
  let appPathSkipped = !options.defaultApp;
  let onlyPaths = false;
  for (const arg of argv.slice(1)) {
    if (!onlyPaths && arg === '--') {
      onlyPaths = true;
      continue;
    }
    if (!onlyPaths && arg.startsWith('-')) continue;
    if (!appPathSkipped) {
      appPathSkipped = true;
      continue;
    }
    const path = toPath(arg, options.cwd);
    if (path !== null && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

function toPath(arg: string, cwd: string): string | null {
  if (arg.trim() === '' || arg.includes('\0')) return null;
  if (/^file:/i.test(arg)) {
    try {
      return fileURLToPath(arg);
    } catch {
      return null;
    }
  }
  // Other URLs (a browser's, a custom protocol's) are not files.
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) return null;
  return isAbsolute(arg) ? resolve(arg) : resolve(cwd, arg);
}

/** Keeps the paths that are existing regular files (a folder or a missing file is not opened). */
export async function existingFiles(paths: readonly string[]): Promise<string[]> {
  const checks = await Promise.all(
    paths.map((p) =>
      stat(p).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  );
  return paths.filter((_, i) => checks[i]);
}
