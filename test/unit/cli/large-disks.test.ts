// A 2040 GiB disk holds almost nothing: commands on it must stay small in memory and answer Ctrl-C at once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage } from '../../../electron/engine/ops/create';
import { PLATTER_BIN, platter } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();

async function hugeEmptyDisk(): Promise<string> {
  const path = join(await tempDir(), 'huge.vhd');
  await createImage({ path, size: 2040 * 1024 ** 3 });
  return path;
}

describe('a 2040 GiB empty dynamic disk', () => {
  it('converts with a small heap: no per-chunk bookkeeping for its zeros', async () => {
    const path = await hugeEmptyDisk();
    const out = path.replace('huge.vhd', 'copy.vhd');
    const run = await new Promise<number | null>((done) =>
      spawn(process.execPath, ['--max-old-space-size=48', PLATTER_BIN, 'convert', '-q', path, out], {
        stdio: 'ignore',
      }).on('exit', done),
    );
    expect(run).toBe(0);
    expect((await platter('info', '--json', out)).stdout).toContain('"allocatedBlocks": 0');
  });

  it('hash answers Ctrl-C while it hashes zeros', async () => {
    const path = await hugeEmptyDisk();
    const child = spawn(process.execPath, [PLATTER_BIN, 'hash', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => setTimeout(r, 1500)); // well into the 2 TiB of zeros, which take minutes
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(130);
    expect(stderr).toContain('cancelled');
  });
});
