// Holes in a sparse image file read as zeros without being read: a block's extents follow the file's own holes
// (as qemu-img's block status does), and the content is still exactly what qemu-img reads.
import { createHash } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage } from '../../electron/engine/image/open-image';
import { hashImage } from '../../electron/engine/ops/hash';
import { sparseSeekAvailable } from '../../electron/engine/io/sparse-seek';
import { useTempDirs } from '../helpers/temp-dir';
import { qemuContentHash, run, tools } from '../helpers/tools';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();

/** 16 MiB of which two runs hold data: [1 MiB, 1.5 MiB) and [9 MiB, 9 MiB + 5000); the rest are holes. */
async function sparseRaw(dir: string): Promise<{ path: string; sha256: string }> {
  const bytes = new Uint8Array(16 * MiB);
  for (let i = 1 * MiB; i < 1.5 * MiB; i++) bytes[i] = (i * 7) % 251 || 1;
  bytes.fill(9, 9 * MiB, 9 * MiB + 5000);
  const path = join(dir, 'source.img');
  // Written piece by piece so the zeros stay holes.
  await writeFile(path, new Uint8Array(0));
  const handle = await open(path, 'r+');
  await handle.truncate(16 * MiB);
  await handle.write(bytes.subarray(1 * MiB, 1.5 * MiB), 0, 0.5 * MiB, 1 * MiB);
  await handle.write(bytes.subarray(9 * MiB, 9 * MiB + 5000), 0, 5000, 9 * MiB);
  await handle.close();
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const cases = [
  ['dynamic VHD', 'vpc', ['-o', 'force_size=on']],
  ['dynamic VHDX', 'vhdx', ['-o', `block_size=${8 * MiB}`]],
  ['fixed VHDX', 'vhdx', ['-o', `subformat=fixed,block_size=${8 * MiB}`]],
] as const;

describe.skipIf(!tools.qemuImg || !sparseSeekAvailable())('holes in an image file', () => {
  it.each(cases)(
    "%s: holes inside blocks are zero extents, and the content is qemu-img's",
    async (_n, format, options) => {
      const dir = await tempDir();
      const raw = await sparseRaw(dir);
      const image = join(dir, `image.${format}`);
      await run('qemu-img', ['convert', '-f', 'raw', '-O', format, ...options, raw.path, image]);
      const opened = await openImage(image);
      const data = (await opened.extents()).filter((e) => e.kind === 'data');
      await opened.close();
      // Both runs are data; the 8 MiB blocks around them are mostly holes in the file, so mostly not data.
      const covers = (at: number) => data.some((e) => e.offset <= at && at < e.offset + e.length);
      for (const at of [1 * MiB, 1.5 * MiB - 1, 9 * MiB, 9 * MiB + 4999]) expect(covers(at), `byte ${at}`).toBe(true);
      expect(data.reduce((n, e) => n + e.length, 0)).toBeLessThan(2 * MiB);
      expect(await qemuContentHash(image, dir, format)).toBe(raw.sha256);
      expect((await hashImage(image)).sha256).toBe(raw.sha256);
    },
  );
});
