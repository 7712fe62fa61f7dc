// Races with a real writer. (a) resize and compact take the image lock before their first read: a qemu-io
// writer that comes while they run is refused (or Platter is); never do both go ahead and lose the write. (b) hash
// and convert hold their source against writers for their whole run: a merge into it (or qemu-io) meanwhile is
// refused, and what they report is the old content.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../electron/engine/image/open-image';
import { checkImage } from '../../electron/engine/ops/check';
import { createImage } from '../../electron/engine/ops/create';
import { hashImage } from '../../electron/engine/ops/hash';
import { platter } from '../helpers/cli';
import { seededBytes } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { QEMU_LOCK_REFUSED, qemuCheckProblems, qemuIo, tools } from '../helpers/tools';
import { writeInto } from '../unit/kill/build';
import { BLOCK, IN_USE, MiB, sparseBigVhd, startPlatter, waitUntilOpen } from './race-tools';
import type { Background } from './race-tools';

const GiB = 1024 * MiB;
const SIZE = 2 * GiB;
const newTempDir = useTempDirs();

/** A 2 GiB disk, all zeros, whose second half is allocated (so every run reads 1 GiB). */
async function bigDisk(): Promise<string> {
  const path = join(await newTempDir(), 'big.vhd');
  await sparseBigVhd(path, SIZE, SIZE / 2);
  return path;
}

type Attempt = { offset: number; outcome: 'wrote' | 'refused' };

/**
 * Once `run` has the image open, writes 4 KiB of 0x77 into the first block with qemu-io, again and again, until
 * `run` exits: every attempt comes while Platter works on the image.
 */
async function writeWhileRunning(path: string, run: Background) {
  const attempts: Attempt[] = [];
  let exited = false;
  const done = run.done.then((result) => ((exited = true), result));
  expect(await waitUntilOpen(run.pid, path), 'platter opened the image').toBe(true);
  for (let i = 0; !exited; i++) {
    const offset = (i % 32) * 64 * 1024;
    const { code, stderr } = await qemuIo(path, [`write -P 0x77 ${offset} 4k`]);
    if (code !== 0 && !QEMU_LOCK_REFUSED.test(stderr)) throw new Error(`qemu-io failed: ${stderr}`);
    attempts.push({ offset, outcome: code === 0 ? 'wrote' : 'refused' });
    await sleep(15);
  }
  return { attempts, result: await done };
}

/** Checks the end of a race: one side refused, every write that went through is there, the image is sound. */
async function expectNoLostWrite(path: string, attempts: Attempt[], result: { code: number; stderr: string }) {
  const platterRefused = result.code === 1 && IN_USE.test(result.stderr);
  expect(result.code === 0 || platterRefused, `platter: ${result.stderr}`).toBe(true);
  const written = attempts.filter((a) => a.outcome === 'wrote');
  const tally = `${written.length} of ${attempts.length} qemu-io writes went through; platter ${platterRefused ? 'refused' : 'finished'}`;
  if (written.length) {
    const { stdout } = await qemuIo(path, [...new Set(written.map((a) => `read -P 0x77 ${a.offset} 4k`))]);
    expect(stdout, `every write qemu-io made is still there (${tally})`).not.toMatch(/Pattern verification failed/);
  }
  const writerRefused = attempts.length > written.length;
  expect(platterRefused || writerRefused, `the writer met Platter while it ran (${tally})`).toBe(true);
  // Errors only: a shrink that leaves unused bytes (a warning) is the kill test's finding, not a race's.
  expect((await checkImage(path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(await qemuCheckProblems(path)).toBeNull();
  return { platterRefused, writes: written.length };
}

async function virtualSize(path: string): Promise<number> {
  const image = await openImage(path);
  await image.close();
  return image.virtualSize;
}

describe.skipIf(process.platform !== 'linux' || !tools.qemuIo || !tools.qemuImg)('races with a real writer', () => {
  let zeros: string;
  beforeAll(async () => {
    zeros = (await hashImage(await bigDisk())).sha256;
  });

  it('resize claims the image before its first read: a qemu-io write is refused or kept', async () => {
    const path = await bigDisk();
    const { attempts, result } = await writeWhileRunning(path, startPlatter('resize', path, String(GiB), '--quiet'));
    const { platterRefused } = await expectNoLostWrite(path, attempts, result);
    expect(await virtualSize(path)).toBe(platterRefused ? SIZE : GiB);
  });

  it('compact claims the image before its first read: a qemu-io write is refused or kept', async () => {
    const path = await bigDisk();
    const { attempts, result } = await writeWhileRunning(path, startPlatter('compact', path, '--quiet'));
    await expectNoLostWrite(path, attempts, result);
  });

  /** A child of `path` holding data in its last block, which hash and convert read last. */
  async function childWithData(path: string): Promise<string> {
    const child = join(path, '..', 'child.vhd');
    await createImage({ path: child, parent: path });
    await writeInto(child, [[SIZE - BLOCK, seededBytes('child', MiB)]]);
    return child;
  }

  /** Starts `args` on big.vhd, and once it has the file open, runs `meddle`; returns both ends. */
  async function meddleWhileReading(
    path: string,
    args: string[],
    meddle: () => Promise<{ code: number; stderr: string }>,
  ) {
    const reader = startPlatter(...args);
    expect(await waitUntilOpen(reader.pid, path), `${args[0]} opened the image`).toBe(true);
    const meddled = await meddle();
    const meddledAt = performance.now();
    const read = await reader.done;
    expect(read.at > meddledAt, `${args[0]} was still reading when the writer finished`).toBe(true);
    expect(read.code, read.stderr).toBe(0);
    return { meddled, read };
  }

  const merge = (child: string) => () => platter('merge', child, '--quiet');
  const qemuWrite = (path: string) => () => qemuIo(path, [`write -P 0x77 ${SIZE - BLOCK} 4k`]);

  it('hash holds its source against a merge into it', async () => {
    const path = await bigDisk();
    const child = await childWithData(path);
    const { meddled, read } = await meddleWhileReading(path, ['hash', path], merge(child));
    expect(meddled.stderr, 'the merge was refused').toMatch(IN_USE);
    expect(read.stdout).toContain(zeros);
  });

  it('hash holds its source against a qemu-io writer', async () => {
    const path = await bigDisk();
    const { meddled, read } = await meddleWhileReading(path, ['hash', path], qemuWrite(path));
    expect(meddled.stderr, 'qemu-io was refused').toMatch(QEMU_LOCK_REFUSED);
    expect(read.stdout).toContain(zeros);
  });

  it('convert holds its source against a merge into it', async () => {
    const path = await bigDisk();
    const child = await childWithData(path);
    const output = join(path, '..', 'copy.vhd');
    // --verify: the copy itself skips the zeros the big disk holds in holes of its file; the check hashes them.
    const { meddled } = await meddleWhileReading(path, ['convert', path, output, '--verify', '--quiet'], merge(child));
    expect(meddled.stderr, 'the merge was refused').toMatch(IN_USE);
    expect((await hashImage(output)).sha256).toBe(zeros);
  });

  it('convert holds its source against a qemu-io writer', async () => {
    const path = await bigDisk();
    const output = join(path, '..', 'copy.vhd');
    const convert = ['convert', path, output, '--verify', '--quiet'];
    const { meddled } = await meddleWhileReading(path, convert, qemuWrite(path));
    expect(meddled.stderr, 'qemu-io was refused').toMatch(QEMU_LOCK_REFUSED);
    expect((await hashImage(output)).sha256).toBe(zeros);
  });
});
