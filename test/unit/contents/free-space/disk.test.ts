// Every volume of a partitioned disk, found by the partition reader: a GPT disk (sfdisk) with an ext4, a FAT32
// and a swap partition and one left unformatted, each compared with its own tool's account.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDiskFreeSpace } from '../../../../electron/engine/contents/free-space';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, openRaw, sh, sparseFile } from './make-fs';

const newTempDir = useTempDirs();
const available = has('sfdisk') && has('mkfs.ext4') && has('mkfs.vfat') && has('mkswap') && has('dumpe2fs');

/** Makes a file system in a file of `size` bytes with `mkfs`, then copies it into the disk at `start`. */
async function place(dir: string, disk: string, start: number, size: number, mkfs: string[]): Promise<string> {
  const part = join(dir, `part-${start}.img`);
  await sparseFile(part, size);
  const out = sh(mkfs[0]!, [...mkfs.slice(1), part]);
  sh('dd', [`if=${part}`, `of=${disk}`, 'bs=1M', `seek=${start / MiB}`, 'conv=notrunc,sparse', 'status=none']);
  return out;
}

describe.skipIf(!available)('free space of a partitioned disk', () => {
  it('reads each partition, with absolute offsets, and keeps the unknown one whole', async () => {
    const dir = await newTempDir();
    const disk = join(dir, 'disk.img');
    await sparseFile(disk, 400 * MiB);
    const table = [
      'label: gpt',
      `start=${MiB / 512}, size=${(150 * MiB) / 512}`,
      `start=${(151 * MiB) / 512}, size=${(100 * MiB) / 512}`,
      `start=${(251 * MiB) / 512}, size=${(64 * MiB) / 512}`,
      `start=${(315 * MiB) / 512}, size=${(32 * MiB) / 512}`,
    ].join('\n');
    sh('sfdisk', ['-q', disk], table + '\n');
    await place(dir, disk, MiB, 150 * MiB, ['mkfs.ext4', '-F', '-q', '-L', 'root']);
    await place(dir, disk, 151 * MiB, 100 * MiB, ['mkfs.vfat', '-F', '32', '-n', 'EFI']);
    const mkswap = await place(dir, disk, 251 * MiB, 64 * MiB, ['mkswap', '-L', 'sw']);
    const image = await openRaw(disk);
    try {
      const volumes = await readDiskFreeSpace(image);
      expect(volumes.map((v) => [v.partition, v.volume.start, v.freeSpace?.fileSystem ?? null])).toEqual([
        [1, MiB, 'ext4'],
        [2, 151 * MiB, 'vfat'],
        [3, 251 * MiB, 'swap'],
        [4, 315 * MiB, null],
      ]);
      const [ext, fat, swap] = volumes.map((v) => v.freeSpace!);
      const dumpe2fs = sh('dumpe2fs', ['-h', join(dir, `part-${MiB}.img`)]);
      expect(ext!.unusedBytes).toBe(
        Number(/^Free blocks:\s+(\d+)/m.exec(dumpe2fs)![1]) * Number(/^Block size:\s+(\d+)/m.exec(dumpe2fs)![1]),
      );
      expect(ext!.unused.every((r) => r.offset >= MiB && r.offset + r.length <= 151 * MiB)).toBe(true);
      const fsck = sh('fsck.fat', ['-n', '-v', join(dir, `part-${151 * MiB}.img`)]);
      const [, used, total] = /(\d+)\/(\d+) clusters/.exec(fsck)!;
      const clusterBytes = Number(/(\d+) bytes per cluster/.exec(fsck)![1]);
      expect(fat!.unusedBytes).toBe((Number(total) - Number(used)) * clusterBytes);
      expect(fat!.label).toBe('EFI');
      // mkswap reports the usable size: every page but the header.
      const swapBytes = Number(/size = .*\((\d+) bytes\)/.exec(mkswap)![1]);
      expect(swap!).toMatchObject({ label: 'sw', clean: true, unusedBytes: swapBytes });
      expect(swap!.unused).toEqual([{ offset: 251 * MiB + 4096, length: swapBytes }]);
    } finally {
      await image.close();
    }
  });
});
