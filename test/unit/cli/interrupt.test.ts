// Ctrl-C (SIGINT) cancels a long command cleanly: exit 130, no output, no temporary file left.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATTER_BIN } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();

describe('Ctrl-C', () => {
  it('cancels a long create, removing the partial output', async () => {
    const dir = await tempDir();
    const out = join(dir, 'big.vhd');
    // Preallocating 8 GiB of zeros takes far longer than the moment before the interrupt.
    const child = spawn(
      process.execPath,
      [PLATTER_BIN, 'create', out, '--size', '8G', '--type', 'fixed', '--preallocate'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Interrupt once the temporary output exists, i.e. the work has started.
    for (let i = 0; i < 200 && !(await readdir(dir)).some((n) => n.endsWith('.tmp')); i++)
      await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('cancelling');
    expect(stderr).toMatch(/platter: the operation was cancelled/);
    expect(await readdir(dir)).toEqual([]);
  });
});
