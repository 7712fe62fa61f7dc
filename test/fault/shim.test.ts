// The fault shim itself: it fails exactly the chosen call, with the chosen errno, only on files in its folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir';
import { runUnderShim, shimSupported } from './shim';

const newTempDir = useTempDirs();
const outside = mkdtemp(join(tmpdir(), 'platter-fault-outside-'));
afterAll(async () => rm(await outside, { recursive: true, force: true }));

/** A Node script doing each file call in turn and printing how each ended ("ok" or the error's code). */
const SCRIPT = `
const fs = require('node:fs');
const [dir, away] = process.argv.slice(1);
const results = [];
const attempt = (call) => { try { call(); results.push('ok'); } catch (e) { results.push(e.code); } };
const fd = fs.openSync(dir + '/file', 'w+');
const far = fs.openSync(away + '/file', 'w+');
for (let i = 0; i < 3; i++) attempt(() => fs.writeSync(fd, 'x', i));
attempt(() => fs.writeSync(far, 'x', 0));
attempt(() => fs.fsyncSync(fd));
attempt(() => fs.fdatasyncSync(fd));
attempt(() => fs.ftruncateSync(fd, 1));
attempt(() => fs.renameSync(dir + '/file', dir + '/moved'));
const folder = fs.openSync(dir, 'r');
attempt(() => fs.fsyncSync(folder));
console.log(results.join(' '));
`;

async function run(fault?: Parameters<typeof runUnderShim>[2]) {
  const dir = await newTempDir();
  return runUnderShim(['-e', SCRIPT, dir, await outside], dir, fault);
}

describe.skipIf(!shimSupported)('the fault shim', () => {
  it('counts the calls on files in its folder only', async () => {
    const { stdout, counts, injected } = await run();
    expect(stdout.trim()).toBe('ok ok ok ok ok ok ok ok ok');
    expect(injected).toEqual([]);
    expect(counts).toMatchObject({ write: 3, fsync: 2, truncate: 1, rename: 1, dirsync: 1 });
  });

  it.each([
    [{ kind: 'write', at: 2, errno: 'ENOSPC' }, 'ok ENOSPC ok ok ok ok ok ok ok'],
    [{ kind: 'fsync', at: 2, errno: 'EIO' }, 'ok ok ok ok ok EIO ok ok ok'],
    [{ kind: 'truncate', at: 1, errno: 'EIO' }, 'ok ok ok ok ok ok EIO ok ok'],
    [{ kind: 'rename', at: 1, errno: 'EROFS' }, 'ok ok ok ok ok ok ok EROFS ok'],
    [{ kind: 'dirsync', at: 1, errno: 'EIO' }, 'ok ok ok ok ok ok ok ok EIO'],
  ] as const)('fails %o', async (fault, results) => {
    const { stdout, injected } = await run(fault);
    expect(stdout.trim()).toBe(results);
    expect(injected).toHaveLength(1);
    expect(injected[0]).toMatch(new RegExp(`^fault ${fault.kind} ${fault.at} `));
  });
});
