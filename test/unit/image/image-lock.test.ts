// In-place changes and qemu's image locks, both ways: an image a qemu process holds (as a running VM would) is
// refused, untouched, and one Platter is changing cannot be opened by qemu meanwhile.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { nativeAddon } from '../../../electron/engine/io/native-addon';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { createImage } from '../../../electron/engine/ops/create';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { cli } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuDynamicVhd, run, tools } from '../../helpers/tools';

const MiB = 1024 * 1024;
const newTempDir = useTempDirs();
const addon = nativeAddon();
const holders: ChildProcess[] = [];

afterEach(() => {
  for (const p of holders.splice(0)) p.kill('SIGKILL');
});

/** A qemu-io session that keeps `path` open (read-write, or read-only with -r) until killed. */
async function qemuHolds(path: string, readOnly = false): Promise<ChildProcess> {
  const child = spawn('qemu-io', [...(readOnly ? ['-r'] : []), '-f', 'vpc', path], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  holders.push(child);
  const fd = openSync(path, 'r');
  try {
    // Wait until its lock on byte 100 (it reads the image) is there.
    for (let i = 0; i < 200 && !addon!.lockedByOthers!(fd, 100, 1); i++) await new Promise((r) => setTimeout(r, 50));
    expect(addon!.lockedByOthers!(fd, 100, 1)).toBe(true);
  } finally {
    closeSync(fd);
  }
  return child;
}

async function refusal(work: Promise<unknown>): Promise<string | null> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  return isPlatterError(err) ? err.code : null;
}

/** A dynamic VHD with 4 MiB written, half of it zeros: something for compact to do. */
async function image(): Promise<string> {
  const path = join(await newTempDir(), 'disk.vhd');
  await qemuDynamicVhd(path, 16 * MiB);
  await run('qemu-io', ['-f', 'vpc', '-c', 'write -P 7 0 4M', '-c', 'write -P 0 0 2M', path]);
  return path;
}

describe.skipIf(process.platform !== 'linux' || !addon?.lockedByOthers || !tools.qemuIo)('image locks', () => {
  it.each([
    ['read-write (a running VM)', false],
    ['read-only', true],
  ])('an image qemu holds %s is not changed in place', async (_how, readOnly) => {
    const path = await image();
    const before = await readFile(path);
    const holder = await qemuHolds(path, readOnly);
    expect(await refusal(compactImage({ path }))).toBe('IN_USE');
    expect(await refusal(resizeImage({ path, size: 32 * MiB }))).toBe('IN_USE');
    expect(Buffer.compare(await readFile(path), before)).toBe(0);

    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect((await compactImage({ path })).blocksAfter).toBe(1);
  });

  it('a source a VM writes is not copied or hashed (the copy would mix old and new); one it only reads is', async () => {
    const path = await image();
    const dir = join(path, '..');
    const writer = await qemuHolds(path);
    expect(await refusal(convertImage({ input: path, output: join(dir, 'copy.img') }))).toBe('IN_USE');
    expect(await refusal(hashImage(path))).toBe('IN_USE');
    expect(await refusal(compactImage({ path, output: join(dir, 'compact.vhd') }))).toBe('IN_USE');
    // On the command line -U (--force-share, as in qemu-img) copies it anyway.
    const refused = await cli('convert', '-q', path, join(dir, 'copy.img'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('`platter convert --force-share`');
    const forced = await cli('convert', '-q', '-U', path, join(dir, 'forced.img'));
    expect(forced.code).toBe(0);
    expect(await run('qemu-img', ['compare', '-U', '-f', 'vpc', '-F', 'raw', path, join(dir, 'forced.img')])).toContain(
      'identical',
    );
    expect((await cli('hash', '--force-share', path)).stdout).toMatch(/^[0-9a-f]{64} {2}/);
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));

    await qemuHolds(path, true);
    await convertImage({ input: path, output: join(dir, 'copy.img') });
    expect((await hashImage(path)).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await run('qemu-img', ['compare', '-U', '-f', 'vpc', '-F', 'raw', path, join(dir, 'copy.img')])).toContain(
      'identical',
    );
  });

  it('a child a VM runs on is not merged (merging would remove it); parent and child stay as they were', async () => {
    const parent = await image();
    const child = join(parent, '..', 'child.vhd');
    await createImage({ path: child, parent });
    await run('qemu-io', ['-f', 'vpc', '-c', 'write -P 9 0 1M', child]);
    const [parentBefore, childBefore] = [await readFile(parent), await readFile(child)];
    await qemuHolds(child);
    expect(await refusal(mergeImage({ child }))).toBe('IN_USE');
    expect(Buffer.compare(await readFile(parent), parentBefore)).toBe(0);
    expect(Buffer.compare(await readFile(child), childBefore)).toBe(0);
  });

  it('info says when another program holds the image, and how', async () => {
    const path = await image();
    const said = async () => {
      const info = await inspectImage(path);
      return [info.inUse, info.warnings.join('\n')] as const;
    };
    expect(await said()).toEqual([null, expect.not.stringContaining('another program')]);
    const writer = await qemuHolds(path);
    expect(await said()).toEqual(['writing', expect.stringContaining('another program is writing this disk')]);
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    await qemuHolds(path, true);
    expect(await said()).toEqual(['holding', expect.stringContaining('keeps others from writing it')]);
  });

  it('while Platter changes an image, qemu cannot open it; afterwards it can', async () => {
    const path = await image();
    const file = await RandomAccessFile.open(path, 'r+');
    const qemuWrite = () => run('qemu-io', ['-f', 'vpc', '-c', 'write 0 512', path]);
    await expect(qemuWrite()).rejects.toThrow(/Failed to get .*"write" lock/);
    await expect(run('qemu-img', ['info', path])).rejects.toThrow(/lock/);
    // A second claim from this same program is no rival.
    const again = await RandomAccessFile.open(path, 'r+');
    await again.close();
    await file.close();
    await expect(qemuWrite()).resolves.toContain('wrote 512/512 bytes');
  });
});
