// The paths the user chose: main's one record of what the renderer may touch. A path enters only from a native
// dialog, a real drop (reported by the preload, never by the page), the recent list, a file opened from outside,
// the chain main itself read from a chosen image, or as a new file a job was allowed to create. Anything else the
// renderer names is refused with UNTRUSTED_PATH, so a compromised page cannot read /etc/shadow or a key file, or
// write into /etc or ~/.config, just by naming them. The path rules (path-checks.ts) consult it.
import { dirname, isAbsolute, normalize } from 'node:path';
import { fail } from './ipc-errors';

/** What to do when a file was refused: the two ways a file enters Platter from the window. */
export const CHOOSE_INPUT = 'choose the file with Open… or drop it on the window';
export const CHOOSE_OUTPUT = 'choose where to save it with Browse…, or save it beside the image it is made from';

export class PathGrants {
  private readonly granted = new Set<string>();

  /** Records paths the user chose (relative paths and paths with NUL are never files: they are ignored). */
  grant(paths: Iterable<string>): void {
    for (const path of paths) if (isAbsolute(path) && !path.includes('\0')) this.granted.add(normalize(path));
  }

  has(path: string): boolean {
    return this.granted.has(normalize(path));
  }

  /** The chosen files in `folder` (directly in it). */
  inFolder(folder: string): string[] {
    const prefix = normalize(folder).replace(/[\\/]*$/, '');
    return [...this.granted].filter((p) => dirname(p) === prefix);
  }

  /** The normalized path, when the user chose it; UNTRUSTED_PATH otherwise. `what` names it ("the source"). */
  require(path: string, what: string): string {
    const p = normalize(path);
    if (!this.granted.has(p)) untrustedPath(p, what, CHOOSE_INPUT);
    return p;
  }
}

export function untrustedPath(path: string, what: string, remedy: string): never {
  fail('UNTRUSTED_PATH', `${what} ${path} was not chosen in Platter, so Platter will not touch it`, remedy);
}
