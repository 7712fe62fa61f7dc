// Reads the registry through `reg.exe query KEY /s` (no native package): its text output, parsed here. Each key
// is a line with its full path, followed by its values, one a line, indented four spaces: `NAME    TYPE    DATA`
// (DATA absent for an empty value). Blank lines separate keys; Windows ends lines with CRLF.
import { execFile } from 'node:child_process';

/** One key and its values as text (REG_DWORD as reg.exe prints it, `0x2`). */
export interface RegistryKey {
  readonly path: string;
  readonly values: Readonly<Record<string, string>>;
}

/** Lists a key and every key under it; an empty list when the key does not exist. */
export type RegistryReader = (key: string) => Promise<readonly RegistryKey[]>;

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;

export function parseRegQuery(text: string): RegistryKey[] {
  const keys: { path: string; values: Record<string, string> }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const value = VALUE_LINE.exec(line);
    if (value) {
      const current = keys.at(-1);
      if (current) current.values[value[1]!] = value[3] ?? '';
    } else if (/^HKEY_[A-Z_]+(\\|$)/.test(line)) {
      keys.push({ path: line.trimEnd(), values: {} });
    }
    // Anything else (a heading such as "End of search", a line reg.exe wraps) carries no value.
  }
  return keys;
}

/** Runs reg.exe with these arguments; resolves with its stdout, or rejects with its exit code and stderr. */
export type RegExe = (args: readonly string[]) => Promise<string>;

const regExe: RegExe = (args) =>
  new Promise((resolve, reject) => {
    execFile(
      'reg.exe',
      [...args],
      { timeout: 20_000, windowsHide: true, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout)),
    );
  });

/** reg.exe's exit code when the key does not exist (its stderr then says "unable to find"). */
const KEY_NOT_FOUND_EXIT = 1;

export function regExeReader(run: RegExe = regExe): RegistryReader {
  return async (key) => {
    try {
      return parseRegQuery(await run(['query', key, '/s']));
    } catch (err) {
      const e = err as { code?: unknown; stderr?: unknown };
      if (e.code === KEY_NOT_FOUND_EXIT && /unable to find/i.test(String(e.stderr ?? ''))) return [];
      throw err;
    }
  };
}
