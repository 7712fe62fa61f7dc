// exFAT free space against dump.exfat's free cluster count and where the files' own bytes lie: files of random
// data written and deleted through exfat-fuse on a loop device.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFreeSpace } from '../../../../electron/engine/contents/free-space';
import { isPlatterError } from '../../../../electron/engine/errors';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, inRanges, openRaw, randomFiles, sectorsOf, sh, sparseFile } from './make-fs';
import { canMount, writeThroughMount } from './mounted';

const newTempDir = useTempDirs();
const available = has('mkfs.exfat') && has('dump.exfat') && has('mount.exfat-fuse') && canMount;

async function makeExfat(dir: string, size: number, extra: string[] = []) {
  const image = join(dir, 'exfat.img');
  await sparseFile(image, size);
  sh('mkfs.exfat', ['-L', 'EXV', ...extra, image]);
  const files = await randomFiles(dir, [3 * MiB, 700 * 1024, 5 * MiB, 123457, 2 * MiB, 4096, 4 * MiB]);
  const deleted = files.filter((_, i) => i % 2 === 0);
  await writeThroughMount(image, ['mount.exfat-fuse'], files, deleted);
  return { image, live: files.filter((_, i) => i % 2 === 1), deleted };
}

function dumpFreeBytes(image: string): number {
  const out = sh('dump.exfat', [image]);
  return Number(/Free Clusters:\s+(\d+)/.exec(out)![1]) * Number(/Cluster size:\s+(\d+)/.exec(out)![1]);
}

async function poke(image: string, at: number, f: (old: number) => number): Promise<void> {
  const handle = await open(image, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, at);
  byte[0] = f(byte[0]!);
  await handle.write(byte, 0, 1, at);
  await handle.close();
}

describe.skipIf(!available)('exFAT free space matches dump.exfat', () => {
  for (const [size, extra] of [
    [64 * MiB, []],
    [200 * MiB, ['-c', '512']],
    [300 * MiB, ['-c', '128K']],
  ] as const) {
    it(`${size / MiB} MiB ${extra.join(' ')}`, async () => {
      const dir = await newTempDir();
      const { image, live, deleted } = await makeExfat(dir, size, [...extra]);
      const disk = await openRaw(image);
      try {
        const found = (await readFreeSpace(disk, { start: 0, size }))!;
        expect(found.fileSystem).toBe('exfat');
        expect(found.label).toBe('EXV');
        expect(found.clean).toBe(true);
        expect(found.unusedBytes).toBe(dumpFreeBytes(image));
        const sectors = await sectorsOf(image, live, deleted);
        expect(sectors.live.length).toBeGreaterThan(0);
        expect(sectors.live.filter((at) => inRanges(found.unused, at))).toEqual([]);
        expect(sectors.deleted.length).toBeGreaterThan(0);
        expect(sectors.deleted.filter((at) => !inRanges(found.unused, at))).toEqual([]);
      } finally {
        await disk.close();
      }
    });
  }

  it('VolumeDirty gives clean: false; a changed boot sector fails the boot checksum', async () => {
    const dir = await newTempDir();
    const { image } = await makeExfat(dir, 64 * MiB);
    await poke(image, 106, (b) => b | 2);
    let disk = await openRaw(image);
    const found = (await readFreeSpace(disk, { start: 0, size: 64 * MiB }))!;
    await disk.close();
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/VolumeDirty.*chkdsk/);
    await poke(image, 92, (b) => b ^ 0x10); // the cluster count, covered by the checksum
    disk = await openRaw(image);
    const error = await readFreeSpace(disk, { start: 0, size: 64 * MiB }).catch((e: unknown) => e);
    await disk.close();
    expect(isPlatterError(error, 'FS_DAMAGED')).toBe(true);
  });
});
