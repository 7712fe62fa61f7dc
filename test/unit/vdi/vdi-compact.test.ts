// Compacting a dynamic VDI: blocks that read as zeros are dropped and the rest packed, in a new file that replaces
// the old in one rename; the content and both UUIDs stay; qemu-img checks it clean and compares it identical.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { vdiDriver } from '../../../electron/engine/formats/vdi/driver';
import { checkImage } from '../../../electron/engine/ops/check';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { cli } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** The image and modification UUIDs, from the bytes. */
async function uuids(path: string): Promise<string> {
  return (await readFile(path)).subarray(0x188, 0x1a8).toString('hex');
}

async function zeroFilled(dir: string, maker: 'platter' | 'qemu'): Promise<{ path: string; raw: string }> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 16 * MiB, [
    [0, MiB],
    [5 * MiB, 2 * MiB],
  ]);
  const path = join(dir, 'disk.vdi');
  if (maker === 'platter') await convertImage({ input: raw, output: path });
  else await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', raw, path]);
  // Blocks 9 to 12 written with zeros by qemu: allocated, holding nothing.
  await run('qemu-io', ['-f', 'vdi', '-c', `write -P 0 ${9 * MiB} ${4 * MiB}`, path]);
  return { path, raw };
}

describe.skipIf(!tools.qemuIo)('compact of a VDI', () => {
  it.each(['platter', 'qemu'] as const)(
    'a %s-made VDI: the blocks qemu-io zero-filled dropped in place, dry run and result agree, UUIDs kept',
    async (maker) => {
      const dir = await tempDir();
      const { path, raw } = await zeroFilled(dir, maker);
      const identity = await uuids(path);
      const sizeBefore = (await stat(path)).size;
      const plan = await compactImage({ path, dryRun: true });
      expect(plan).toMatchObject({ dryRun: true, blocksBefore: 7, blocksAfter: 3, sizeBefore });
      expect((await stat(path)).size).toBe(sizeBefore);
      const result = await compactImage({ path });
      expect(result).toMatchObject({ dryRun: false, blocksAfter: 3, sizeAfter: plan.sizeAfter });
      // VirtualBox's layout: the map at 1 MiB, the data at 2 MiB, three blocks.
      expect(result.sizeAfter).toBe(2 * MiB + 3 * MiB);
      expect((await stat(path)).size).toBe(result.sizeAfter);
      expect(await uuids(path)).toBe(identity);
      expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
      expect((await checkImage(path)).problems).toEqual([]);
      expect(await run('qemu-img', ['check', '-f', 'vdi', path])).toContain('No errors were found');
      expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vdi', raw, path])).toContain('identical');
    },
  );

  it('to a new file, leaving the original; from the command line', async () => {
    const dir = await tempDir();
    const { path, raw } = await zeroFilled(dir, 'platter');
    const original = await sha256File(path);
    const out = join(dir, 'small.vdi');
    const r = await cli('compact', path, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    expect(await sha256File(path)).toBe(original);
    expect((await hashImage(out)).sha256).toBe(await sha256File(raw));
    expect((await vdiDriver.describe!(out)).blockStates()!.filter((s) => s === 'allocated')).toHaveLength(3);
  });

  it('refuses a fixed VDI (nothing to drop), changing nothing; offers compact for dynamic ones only', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 4 * MiB, [[0, 4096]]);
    const fixed = join(dir, 'fixed.vdi');
    await convertImage({ input: raw, output: fixed, type: 'fixed' });
    const before = await sha256File(fixed);
    expect(isPlatterError(await compactImage({ path: fixed }).catch((e: unknown) => e), 'NOT_COMPACTABLE')).toBe(true);
    expect(await sha256File(fixed)).toBe(before);
    expect(vdiDriver.capabilities('fixed').compact).toBe(false);
    expect(vdiDriver.capabilities('differencing').compact).toBe(false);
    expect(vdiDriver.capabilities('dynamic').compact).toBe(true);
  });
});
