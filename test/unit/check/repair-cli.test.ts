// `platter check --repair [--dry-run] [--json]` as a user sees it: the problems, each change, what remains, the
// exit code, and a progress bar on a terminal.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/main';
import type { RepairResult } from '../../../electron/engine/ops/repair';
import { cli, platter } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';
import { dynamicDisk, layoutOf, patch, setBatEntry } from './damage';

const tempDir = useTempDirs();

/** A dynamic disk whose footer copy at the start is gone and whose blocks 1 and 3 share a place. */
async function damagedDisk() {
  const dir = await tempDir();
  const { path } = await dynamicDisk(dir);
  const layout = await layoutOf(path);
  await setBatEntry(path, layout, 3, layout.bat[1]!);
  await patch(path, 0, new Uint8Array(512));
  return path;
}

describe('check --repair', () => {
  it('lists the problems, each change, and then a clean check; exit 0', async () => {
    const path = await damagedDisk();
    const r = await platter('check', '--repair', path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${path}: 3 problems`);
    expect(lines.slice(1, 4)).toEqual([
      expect.stringMatching(/^ {2}error VHD_FOOTER_COPY_MISSING at offset 0: /),
      expect.stringMatching(/^ {2}error VHD_BAT_OVERLAP at offset 1540: block 1 .*overlaps block 3/),
      expect.stringMatching(/^ {2}error VHD_BAT_OVERLAP at offset 1548: /),
    ]);
    expect(lines[4]).toBe('Made 3 changes:');
    expect(lines[5]).toMatch(
      /^ {2}VHD_BAT_OVERLAP at offset 1540: block 1 .* dropped: .*virtual bytes 524288-1048575 now read as zeros$/,
    );
    expect(lines.at(-1)).toBe(`${path}: no problems found`);
    expect((await cli('check', path)).code).toBe(0);
  });

  it('--dry-run prints the same plan, writes nothing and exits 1', async () => {
    const path = await damagedDisk();
    const before = await readFile(path);
    const r = await cli('check', '--repair', '--dry-run', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Would make 3 changes (dry run: nothing was written):\n');
    expect(r.stdout).not.toContain('no problems found');
    expect((await readFile(path)).equals(before)).toBe(true);
  });

  it('--json gives the whole result', async () => {
    const path = await damagedDisk();
    const r = await cli('check', '--repair', '--json', path);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RepairResult;
    expect(result).toMatchObject({ path, dryRun: false, rolledBack: null, after: { path, problems: [], clean: true } });
    expect(result.before.problems).toHaveLength(3);
    expect(result.changes.map((c) => c.code)).toEqual([
      'VHD_BAT_OVERLAP',
      'VHD_BAT_OVERLAP',
      'VHD_FOOTER_COPY_MISSING',
    ]);
    expect(result.changes[0]!.virtualRange).toEqual({ start: 512 * 1024, end: 1024 * 1024 });
  });

  it('says so when nothing can be repaired without guessing; exit 1', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    await patch(path, 512, Buffer.from('notahead'));
    const r = await cli('check', '--repair', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${path}: 1 problem\n  error VHD_HEADER_INVALID at offset 512: the dynamic header has no "cxsparse" cookie\n` +
        'Nothing can be repaired without guessing.\n',
    );
  });

  it('leaves a clean image alone; exit 0', async () => {
    const { path } = await dynamicDisk(await tempDir());
    expect(await cli('check', '--repair', path)).toEqual({
      code: 0,
      stdout: `${path}: no problems found\n`,
      stderr: '',
    });
  });

  it('draws a progress bar on a terminal, unless --quiet', async () => {
    for (const quiet of [false, true]) {
      const path = await damagedDisk();
      let stderr = '';
      const code = await runCli(['check', '--repair', ...(quiet ? ['--quiet'] : []), path], {
        stdout: () => undefined,
        stderr: (t) => void (stderr += t),
        interactive: true,
        signal: new AbortController().signal,
      });
      expect(code).toBe(0);
      if (quiet) expect(stderr).toBe('');
      else expect(stderr).toMatch(/repairing \[#*-*\] +\d+%/);
    }
  });
});
