// VMDKs of every subformat qemu-img creates, and a delta link qemu-img makes over one, read exactly as qemu-img
// converts them to raw; an extent opened on its own reads as its disk.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmdkDriver } from '../../../electron/engine/formats/vmdk/driver';
import type { VmdkInfo } from '../../../electron/engine/formats/vmdk/vmdk-info';
import { checkImage } from '../../../electron/engine/ops/check';
import { describeChain } from '../../../electron/engine/ops/chain';
import { hashImage } from '../../../electron/engine/ops/hash';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const MIB = 1024 * 1024;
const tempDir = useTempDirs();
const SIZE = 24 * MIB + 64 * 1024 + 7 * 512;
/** Data at the start, across a grain and a grain table's span (32 MiB is past SIZE: a second GT for the end). */
const PIECES: [number, number][] = [
  [0, 5000],
  [65536 - 700, 2000],
  [3 * MIB, MIB + 4096],
  [SIZE - 3000, 3000],
];

const SUBFORMATS = [
  'monolithicSparse',
  'monolithicFlat',
  'twoGbMaxExtentSparse',
  'twoGbMaxExtentFlat',
  'streamOptimized',
] as const;

async function qemuRawHash(image: string, dir: string): Promise<string> {
  const out = join(dir, 'qemu.raw');
  await run('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', image, out]);
  return sha256File(out);
}

describe.skipIf(!tools.qemuImg)('VMDKs qemu-img made', () => {
  it.each(SUBFORMATS)('%s: reads as qemu-img converts it, checks clean', async (subformat) => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, SIZE, PIECES, subformat);
    const image = join(dir, 'disk.vmdk');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat}`, raw, image]);
    const truth = await qemuRawHash(image, dir);
    expect(truth).toBe(await sha256File(raw));
    const { sha256, virtualSize } = await hashImage(image);
    expect(virtualSize).toBe(SIZE);
    expect(sha256).toBe(truth);
    expect((await checkImage(image)).problems).toEqual([]);
    const info = (await vmdkDriver.describe!(image)).info as VmdkInfo;
    expect(info.createType).toBe(subformat);
    // Each extent file opened directly finds disk.vmdk (flat extents have no signature of their own).
    for (const name of (await readdir(dir)).filter((n) => /^disk-.+\.vmdk$/.test(n)))
      expect((await hashImage(join(dir, name))).sha256, name).toBe(truth);
  });

  it('a delta link over a monolithicSparse base reads through it; a changed parent CID is reported', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, SIZE, PIECES, 'base');
    const base = join(dir, 'base.vmdk');
    const child = join(dir, 'child.vmdk');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', raw, base]);
    await run('qemu-img', ['create', '-f', 'vmdk', '-b', 'base.vmdk', '-F', 'vmdk', child]);
    await run('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x5a 1M 200k', '-c', `write -z 3M 64k`, child]);
    const truth = await qemuRawHash(child, dir);
    expect(truth).not.toBe(await sha256File(raw));
    expect((await hashImage(child)).sha256).toBe(truth);
    const d = await vmdkDriver.describe!(child);
    expect(d.diskType).toBe('differencing');
    expect(d.parent?.resolvedPath).toBe(base);
    expect(d.blockStates()).toContain('parent');
    expect((await checkImage(child)).problems).toEqual([]);
    // A snapshot of the snapshot: read through both, and its chain walked to the base.
    const grandchild = join(dir, 'grandchild.vmdk');
    await run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', 'child.vmdk', '-F', 'vmdk', grandchild]);
    await run('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x77 5M 64k', grandchild]);
    expect((await hashImage(grandchild)).sha256).toBe(await qemuRawHash(grandchild, dir));
    const chain = await describeChain(grandchild);
    expect(chain.levels.map((l) => l.path)).toEqual([grandchild, child, base]);
    expect(chain.broken).toBeNull();
    // Writing the base changes its CID: the child no longer matches it.
    await run('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0x11 0 4k', base]);
    expect((await checkImage(child)).problems.map((p) => p.code)).toContain('VMDK_PARENT_CID_MISMATCH');
    expect((await vmdkDriver.describe!(child)).warnings.join()).toContain('CID');
  });
});
