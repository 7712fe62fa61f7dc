// Resizing a VHDX in place through its log: grown and shrunk disks read as qemu-img and libvhdi read them, and a
// resize killed after any of its writes leaves a disk that Platter, and qemu-img after its own log replay, read
// as the old disk or the new one, alike.
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiHash, qemuReplayedVhdxHash, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A 40 MiB dynamic VHDX in 1 MiB blocks with data in MiB 2 to 5, the raw it came from, and raw copies resized. */
async function disk(dir: string) {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 40 * MiB, [[2 * MiB, 3 * MiB]]);
  const path = join(dir, 'disk.vhdx');
  await convertImage({ input: raw, output: path, blockSize: MiB });
  const sized = async (size: number) => {
    const copy = join(dir, `raw-${size}.img`);
    await writeFile(copy, await readFile(raw));
    await truncate(copy, size);
    return sha256File(copy);
  };
  return { raw, path, sized };
}

describe.skipIf(!tools.qemuImg)('resize of a VHDX', () => {
  it('grows and shrinks in place, read alike by qemu-img and libvhdi', async () => {
    const dir = await tempDir();
    const { path, sized } = await disk(dir);
    for (const size of [100 * MiB, 100 * MiB + 4096, 7 * MiB, 40 * MiB]) {
      expect((await resizeImage({ path, size })).method).toBe('in place');
      const expected = await sized(size);
      expect((await hashImage(path)).sha256).toBe(expected);
      expect((await checkImage(path)).problems).toEqual([]);
      expect(await qemuReplayedVhdxHash(path, dir)).toBe(expected);
      if (tools.pyvhdi) expect(await pyvhdiHash(path)).toBe(expected);
    }
  });

  it('refuses to cut data, and past 64 TiB, changing nothing', async () => {
    const dir = await tempDir();
    const { path } = await disk(dir);
    const before = await sha256File(path);
    const cut = await resizeImage({ path, size: 3 * MiB }).catch((e: unknown) => e);
    expect(isPlatterError(cut, 'SHRINK_LOSES_DATA')).toBe(true);
    const huge = await resizeImage({ path, size: 65 * 1024 ** 4 }).catch((e: unknown) => e);
    expect(isPlatterError(huge, 'BAD_SIZE')).toBe(true);
    expect(await sha256File(path)).toBe(before);
  });

  it('killed after each of its writes: old or new, alike in Platter and in qemu-img after its replay', async () => {
    let killed = 0;
    for (let writes = 1; ; writes++) {
      const dir = await tempDir();
      const { path, sized } = await disk(dir);
      const [old, next] = [await sized(40 * MiB), await sized(100 * MiB)];
      process.env.PLATTER_TEST_KILL_AFTER_WRITES = String(writes);
      const run = await platter('resize', path, '100M', '--quiet').finally(() => {
        delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
      });
      const ours = (await hashImage(path)).sha256;
      expect([old, next], `after write ${writes}`).toContain(ours);
      expect(await qemuReplayedVhdxHash(path, dir), `after write ${writes}`).toBe(ours);
      if (run.code === 0) break;
      killed++;
      // The same resize, run again, finishes the job.
      await resizeImage({ path, size: 100 * MiB });
      expect((await hashImage(path)).sha256).toBe(next);
    }
    expect(killed).toBeGreaterThanOrEqual(5);
  });
});
