// Images Platter creates are read at exactly the requested size by qemu-img 7.2 and libvhdi.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { RandomAccessFile } from '../../electron/engine/io/random-access-file';
import { createImage } from '../../electron/engine/ops/create';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { useTempDirs } from '../helpers/temp-dir';
import { qemuVirtualSize, tools, vhdiMediaSize } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const sizes = [
  ['1 MiB', MiB],
  ['64 MiB', 64 * MiB],
  ['an odd number of sectors', 12345 * 512],
  ['4 GiB', 4 * GiB],
  ['127 GiB', 127 * GiB],
  ['2040 GiB', 2040 * GiB],
] as const;

describe.skipIf(!tools.qemuImg || !tools.vhdiinfo)('created images read at the exact size', () => {
  for (const type of ['fixed', 'dynamic'] as const) {
    it.each(sizes)(`${type}, %s`, async (_label, size) => {
      const path = join(await tempDir(), 'disk.vhd');
      await createImage({ path, size, type });
      expect(await qemuVirtualSize(path)).toBe(size);
      expect(await vhdiMediaSize(path)).toBe(size);
      expect((await inspectImage(path)).virtualSize).toBe(size);
    });
  }
});

describe('size limits', () => {
  it('refuses 2041 GiB with a clear error and leaves no file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'big.vhd');
    const error = await createImage({ path, size: 2041 * GiB, type: 'dynamic' }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'BAD_SIZE')).toBe(true);
    expect((error as Error).message).toContain('2040 GiB');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([]);
  });

  it('info of a 2040 GiB dynamic image reads only its headers and block table', async () => {
    const path = join(await tempDir(), 'big.vhd');
    await createImage({ path, size: 2040 * GiB, type: 'dynamic' });
    const read = vi.spyOn(RandomAccessFile.prototype, 'read');
    try {
      const info = await inspectImage(path);
      expect(info.totalBlocks).toBe(2040 * 512);
      const bytes = read.mock.calls.reduce((n, [target]) => n + target.length, 0);
      const batBytes = 2040 * 512 * 4;
      // footer (end and head copy), a signature probe, the dynamic header and the BAT: nothing more.
      expect(bytes).toBeLessThanOrEqual(batBytes + 4 * 512 + 1024 + 64);
    } finally {
      read.mockRestore();
    }
  });
});
