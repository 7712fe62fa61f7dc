// Free space of file systems made by other systems: the Hyper-V NTFS (its journal as Windows leaves it after a
// clean shutdown: a restart area with a client in use and the volume-is-clean flag), the Windows 8.1 FAT32 and the
// qemu ext2 fixtures, against ntfsinfo, fsck.fat and dumpe2fs on the volume qemu-img extracts.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDiskFreeSpace } from '../../../../electron/engine/contents/free-space';
import { openImage } from '../../../../electron/engine/image/open-image';
import { fixturePath, fixturesAvailable } from '../../../helpers/fixtures';
import { useTempDirs } from '../../../helpers/temp-dir';
import { tools } from '../../../helpers/tools';
import { has, sh } from './make-fs';

const newTempDir = useTempDirs();
const available =
  fixturesAvailable && tools.qemuImg && has('ntfsinfo') && has('fsck.fat') && has('dumpe2fs') && has('sfdisk');

/** The fixture's first volume as a raw file, through qemu-img and sfdisk (the whole disk when it has no table). */
async function extract(file: string, format: string): Promise<string> {
  const dir = await newTempDir();
  const raw = join(dir, 'disk.raw');
  sh('qemu-img', ['convert', '-f', format, '-O', 'raw', fixturePath(file), raw]);
  let start = 0;
  let size = 0;
  try {
    const table = JSON.parse(sh('sfdisk', ['-J', raw])) as {
      partitiontable: { partitions: { start: number; size: number }[] };
    };
    ({ start, size } = table.partitiontable.partitions[0]!);
  } catch {
    return raw;
  }
  const part = join(dir, 'part.raw');
  sh('dd', [`if=${raw}`, `of=${part}`, 'bs=512', `skip=${start}`, `count=${size}`, 'status=none']);
  return part;
}

async function ours(file: string) {
  const image = await openImage(fixturePath(file));
  try {
    return (await readDiskFreeSpace(image))[0]!.freeSpace!;
  } finally {
    await image.close();
  }
}

describe.skipIf(!available)('free space of fixtures made by other systems', () => {
  for (const file of ['vhd/hyperv-dynamic-10m.vhd', 'vhdx/hyperv-fixed-10m.vhdx']) {
    it(`${file}: Hyper-V's NTFS, clean, equal to ntfsinfo`, async () => {
      const part = await extract(file, file.endsWith('.vhdx') ? 'vhdx' : 'vpc');
      const info = sh('ntfsinfo', ['-m', part]);
      const found = await ours(file);
      expect(found).toMatchObject({ fileSystem: 'ntfs', clean: true, reason: null });
      expect(found.unusedBytes).toBe(
        Number(/Free Clusters: (\d+)/.exec(info)![1]) * Number(/Cluster Size: (\d+)/.exec(info)![1]),
      );
    });
  }

  it("vhdx/windows81-fat32-100m.vhdx: Windows's FAT32, clean, equal to fsck.fat", async () => {
    const part = await extract('vhdx/windows81-fat32-100m.vhdx', 'vhdx');
    const out = sh('fsck.fat', ['-n', '-v', part]);
    const [, used, total] = /(\d+)\/(\d+) clusters/.exec(out)!;
    const found = await ours('vhdx/windows81-fat32-100m.vhdx');
    expect(found).toMatchObject({ fileSystem: 'vfat', clean: true });
    expect(found.unusedBytes).toBe((Number(total) - Number(used)) * Number(/(\d+) bytes per cluster/.exec(out)![1]));
  });

  it('vhd/qemu-dynamic-ext2.vhd: equal to dumpe2fs', async () => {
    const raw = await extract('vhd/qemu-dynamic-ext2.vhd', 'vpc');
    const out = sh('dumpe2fs', ['-h', raw]);
    const found = await ours('vhd/qemu-dynamic-ext2.vhd');
    expect(found).toMatchObject({ fileSystem: 'ext2', clean: true });
    expect(found.unusedBytes).toBe(
      Number(/^Free blocks:\s+(\d+)/m.exec(out)![1]) * Number(/^Block size:\s+(\d+)/m.exec(out)![1]),
    );
  });
});
