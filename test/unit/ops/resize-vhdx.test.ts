// Resizing a VHDX in place through its log: grown and shrunk disks read as qemu-img and libvhdi read them, and a
// resize killed after any of its writes leaves a disk that Platter, and qemu-img after its own log replay, read
// as the old disk or the new one, alike.
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { BITMAP_STATE, PAYLOAD_STATE } from '../../../electron/engine/formats/vhdx/bat';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { openImage } from '../../../electron/engine/image/open-image';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { convertToChild } from '../../../electron/engine/ops/convert-delta';
import { hashImage } from '../../../electron/engine/ops/hash';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { platter } from '../../helpers/cli';
import { seededBytes, sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiChainHash, pyvhdiHash, qemuReplayedVhdxHash, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const sha256Of = async (bytes: Uint8Array) =>
  (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

/** A 40 MiB dynamic VHDX in 1 MiB blocks with data in MiB 2 to 5, the raw it came from, and raw copies resized. */
async function disk(dir: string, type: 'fixed' | 'dynamic' = 'dynamic') {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 40 * MiB, [[2 * MiB, 3 * MiB]]);
  const path = join(dir, 'disk.vhdx');
  await convertImage({ input: raw, output: path, blockSize: MiB, type });
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

  it('grows and shrinks a fixed VHDX in place, its file growing and shrinking with it', async () => {
    const dir = await tempDir();
    const { path, sized } = await disk(dir, 'fixed');
    const fileSizes: number[] = [];
    for (const size of [100 * MiB, 100 * MiB + 4096, 7 * MiB, 40 * MiB]) {
      expect((await resizeImage({ path, size })).diskType).toBe('fixed');
      const expected = await sized(size);
      expect((await hashImage(path)).sha256).toBe(expected);
      expect((await checkImage(path)).problems).toEqual([]);
      expect(await qemuReplayedVhdxHash(path, dir)).toBe(expected);
      if (tools.pyvhdi) expect(await pyvhdiHash(path)).toBe(expected);
      fileSizes.push((await stat(path)).size);
    }
    // Every block held: 101 blocks of 1 MiB after the grows, 7 after the shrink, 40 after growing again.
    expect(fileSizes[1]! - fileSizes[2]!).toBe(94 * MiB);
    expect(fileSizes[3]! - fileSizes[2]!).toBe(33 * MiB);
    const cut = await resizeImage({ path, size: 3 * MiB }).catch((e: unknown) => e);
    expect(isPlatterError(cut, 'SHRINK_LOSES_DATA')).toBe(true);
  });

  it.skipIf(!tools.pyvhdi)(
    'grows a differencing VHDX: past its parent it reads zeros, libvhdi reading the rest alike',
    async () => {
      const dir = await tempDir();
      const { raw, path: parent } = await disk(dir);
      // The child changes the last sectors of the parent's last block, and a block inside.
      const bytes = await readFile(raw);
      seededBytes('child', 8192).copy(bytes, 40 * MiB - 8192);
      seededBytes('inside', 4096).copy(bytes, 20 * MiB);
      const changed = join(dir, 'changed.img');
      await writeFile(changed, bytes);
      const child = join(dir, 'child.vhdx');
      await convertToChild({ input: changed, output: child, parent });
      const before = await sha256File(parent);
      let content = bytes;
      for (const size of [64 * MiB + 512, 300 * MiB]) {
        const result = await resizeImage({ path: child, size });
        expect(result.diskType).toBe('differencing');
        expect(result.method).toBe('in place');
        content = Buffer.concat([content, Buffer.alloc(size - content.length)]);
        await writeFile(changed, content);
        const expected = await sha256File(changed);
        expect((await hashImage(child)).sha256).toBe(expected);
        expect((await checkImage(child)).problems).toEqual([]);
        // libvhdi reads a child's blocks of zeros from the parent, and fails past its end (docs/chains-merge-resize.md).
        expect(await pyvhdiChainHash(child, 40 * MiB)).toBe(await sha256Of(content.subarray(0, 40 * MiB)));
      }
      expect(await sha256File(parent)).toBe(before);
      const shrink = await resizeImage({ path: child, size: 40 * MiB }).catch((e: unknown) => e);
      expect(isPlatterError(shrink, 'UNSUPPORTED')).toBe(true);
    },
  );

  it.skipIf(!tools.pyvhdi)('grows a child whose old end falls inside a block it leaves to the parent', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'parent.img');
    await writeRaw(raw, 3 * MiB + 512, [[3 * MiB - 4096, 4608]]);
    const parent = join(dir, 'parent.vhdx');
    await convertImage({ input: raw, output: parent, blockSize: MiB });
    const child = join(dir, 'child.vhdx');
    await convertToChild({ input: raw, output: child, parent });
    await resizeImage({ path: child, size: 8 * MiB });
    const content = Buffer.concat([await readFile(raw), Buffer.alloc(8 * MiB - (3 * MiB + 512))]);
    expect((await hashImage(child)).sha256).toBe(await sha256Of(content));
    // The block holding the old end is the child's own now: libvhdi reads it too, up to the next block.
    expect(await pyvhdiChainHash(child, 4 * MiB)).toBe(await sha256Of(content.subarray(0, 4 * MiB)));
    expect((await checkImage(child)).problems).toEqual([]);
  });

  it('grows a child past a 4 GiB chunk: the new chunk gets a zeroed sector bitmap block of its own', async () => {
    const dir = await tempDir();
    const { raw, path: parent } = await disk(dir);
    const child = join(dir, 'child.vhdx');
    await convertToChild({ input: raw, output: child, parent });
    const size = 4 * 1024 * MiB + 2 * MiB;
    await resizeImage({ path: child, size });
    expect((await checkImage(child)).problems).toEqual([]);
    const image = (await openImage(child)) as VhdxImage;
    try {
      const { bat } = image.structure;
      expect([...bat.bitmapState]).toEqual([BITMAP_STATE.present, BITMAP_STATE.present]);
      const bitmaps = [...bat.bitmapOffsetMiB].map((at) => at * MiB);
      expect(bitmaps[1]).not.toBe(bitmaps[0]);
      const file = await open(child);
      const bitmap = Buffer.alloc(MiB);
      await file.read(bitmap, 0, MiB, bitmaps[1]!);
      await file.close();
      expect(bitmap.every((b) => b === 0)).toBe(true);
      expect(bat.payloadState[4096]).toBe(PAYLOAD_STATE.zero);
      const end = new Uint8Array(2 * MiB).fill(1);
      await image.read(end, size - 2 * MiB);
      expect(end.every((b) => b === 0)).toBe(true);
    } finally {
      await image.close();
    }
    if (tools.pyvhdi) expect(await pyvhdiChainHash(child, 40 * MiB)).toBe(await sha256File(raw));
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
    // Two headers, the log entry, the size item's page, the table's one changed page: each a point.
    expect(killed).toBeGreaterThanOrEqual(4);
  });
});
