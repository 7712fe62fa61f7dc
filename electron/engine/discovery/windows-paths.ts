// Paths as the registry and %LOCALAPPDATA% give them. The lookup runs on Windows, and in tests on Linux over a
// temporary folder, so a path is joined with the separator it already uses.
import { posix, win32 } from 'node:path';

/** `\\?\C:\x` -> `C:\x`, `\\?\UNC\server\share` -> `\\server\share`: WSL records BasePath either way. */
export function withoutLongPathPrefix(path: string): string {
  if (/^\\\\\?\\UNC\\/i.test(path)) return `\\\\${path.slice(8)}`;
  if (path.startsWith('\\\\?\\')) return path.slice(4);
  return path;
}

function isWindowsPath(path: string): boolean {
  return /^[A-Za-z]:[\\/]|^\\\\/.test(path) || (path.includes('\\') && !path.startsWith('/'));
}

export function joinPath(base: string, ...parts: string[]): string {
  return (isWindowsPath(base) ? win32 : posix).join(base, ...parts);
}

export function relativePath(from: string, to: string): string {
  return (isWindowsPath(from) ? win32 : posix).relative(from, to);
}

/** The same file whatever the case of its letters (NTFS), or exactly (tests' posix paths). */
export function pathKey(path: string): string {
  return isWindowsPath(path) ? win32.normalize(path).toLowerCase() : posix.normalize(path);
}
