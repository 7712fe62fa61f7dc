// The optional native addon (native/): hole finding, range writeback, byte locks and sizes, and the same results
// without it.
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeAddon, pageAlignedBuffer } from '../../../electron/engine/io/native-addon';
import { fileExtents } from '../../../electron/engine/io/sparse-seek';
import { sha256File, writeRaw } from '../../helpers/data';
import { PLATTER_BIN } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const linux = process.platform === 'linux';

function platterWith(env: Record<string, string>, ...argv: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [PLATTER_BIN, ...argv], { env: { ...process.env, ...env } }, (err, _out, stderr) =>
      err ? fail(new Error(stderr || err.message)) : done(),
    );
  });
}

describe('native addon', () => {
  it.runIf(linux)('is built on Linux (npm ci builds it; CI installs a compiler)', () => {
    expect(nativeAddon()).not.toBeNull();
  });

  it.runIf(linux)('finds the data and the holes of a sparse file', async () => {
    const path = join(await tempDir(), 'sparse.img');
    await writeRaw(path, 16 * MiB, [
      [1 * MiB, 4096],
      [9 * MiB, 2 * MiB],
    ]);
    const handle = await open(path, 'r');
    try {
      const extents = fileExtents(handle.fd, 16 * MiB);
      // File systems may round data out to their block size, never the other way: the data is always covered.
      const data = extents!.filter((e) => e.kind === 'data');
      expect(data.length).toBe(2);
      expect(data[0]!.offset).toBeLessThanOrEqual(1 * MiB);
      expect(data[0]!.offset + data[0]!.length).toBeGreaterThanOrEqual(1 * MiB + 4096);
      expect(data[1]!.offset).toBeLessThanOrEqual(9 * MiB);
      expect(data[1]!.offset + data[1]!.length).toBeGreaterThanOrEqual(11 * MiB);
      expect(extents!.reduce((sum, e) => sum + e.length, 0)).toBe(16 * MiB);
    } finally {
      await handle.close();
    }
  });

  it.runIf(linux)('starts writeback of a written range', async () => {
    const handle = await open(join(await tempDir(), 'out.bin'), 'w');
    try {
      await handle.write(Buffer.alloc(MiB, 7), 0, MiB, 0);
      expect(await nativeAddon()!.writeback(handle.fd, 0, MiB)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it.runIf(linux)('gives I/O buffers that start on a page boundary', () => {
    const addon = nativeAddon()!;
    for (const length of [4096, 1024 * 1024, 2 * 1024 * 1024 + 512]) {
      const buffer = pageAlignedBuffer(length);
      expect(buffer.length).toBe(length);
      expect(addon.pageOffset(buffer)).toBe(0);
      expect(buffer.every((b) => b === 0)).toBe(true);
    }
  });

  it.runIf(linux)("byte locks: one open file sees another's, never its own, and they end when it closes", async () => {
    const addon = nativeAddon()!;
    const path = join(await tempDir(), 'locked.img');
    await writeRaw(path, MiB, []);
    const [first, second] = [await open(path, 'r'), await open(path, 'r')];
    try {
      expect(addon.sharedLock!(first.fd, 101, 1)).toBe(true);
      expect(addon.lockedByOthers!(first.fd, 100, 200)).toBe(false);
      expect(addon.lockedByOthers!(second.fd, 100, 200)).toBe(true);
      expect(addon.lockedByOthers!(second.fd, 102, 1)).toBe(false);
      // Shared locks do not exclude each other.
      expect(addon.sharedLock!(second.fd, 101, 1)).toBe(true);
      await first.close();
      const third = await open(path, 'r');
      expect(addon.lockedByOthers!(third.fd, 101, 1)).toBe(true);
      await second.close();
      expect(addon.lockedByOthers!(third.fd, 101, 1)).toBe(false);
      await third.close();
    } finally {
      await first.close().catch(() => undefined);
      await second.close().catch(() => undefined);
    }
  });

  it.runIf(linux)('tells the size of what it is given (a regular file: by seeking to its end)', async () => {
    const path = join(await tempDir(), 'sized.img');
    await writeRaw(path, 3 * MiB + 512, []);
    const handle = await open(path, 'r');
    try {
      expect(nativeAddon()!.deviceSize!(handle.fd)).toBe(3 * MiB + 512);
    } finally {
      await handle.close();
    }
  });

  it('conversions give the same bytes without it (holes read as data, periodic fdatasync)', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'source.img');
    await writeRaw(raw, 8 * MiB, [
      [0, 4096],
      [3 * MiB + 17, 100_000],
      [8 * MiB - 512, 512],
    ]);
    for (const type of ['fixed', 'dynamic']) {
      const withAddon = join(dir, `with-${type}.vhd`);
      const without = join(dir, `without-${type}.vhd`);
      await platterWith({}, 'convert', '-q', raw, withAddon, '--type', type);
      await platterWith({ PLATTER_NO_NATIVE: '1' }, 'convert', '-q', raw, without, '--type', type);
      // Both are standalone images of the same content; only the footer's timestamp and UUID differ.
      const back = join(dir, `back-${type}.img`);
      await platterWith({ PLATTER_NO_NATIVE: '1' }, 'convert', '-q', without, back);
      expect(await sha256File(back)).toBe(await sha256File(raw));
      if (tools.qemuImg) {
        expect(await run('qemu-img', ['compare', '-f', 'vpc', '-F', 'vpc', withAddon, without])).toContain('identical');
      }
    }
  });
});
