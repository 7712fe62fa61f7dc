// FAT12/16/32 free space against fsck.fat's cluster count, and against where the files' own bytes lie: files of
// random data written and deleted with mtools, every live sector outside the free ranges, every deleted one inside.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFreeSpace } from '../../../../electron/engine/contents/free-space';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, inRanges, openRaw, randomFiles, sectorsOf, sh, sparseFile } from './make-fs';

const newTempDir = useTempDirs();
const available = has('mkfs.vfat') && has('mcopy') && has('fsck.fat');

async function makeFat(dir: string, bits: 12 | 16 | 32, size: number, extra: string[] = []) {
  const image = join(dir, 'fat.img');
  await sparseFile(image, size);
  sh('mkfs.vfat', ['-F', String(bits), '-n', `VOL${bits}`, ...extra, image]);
  const scale = size / (64 * MiB);
  const sizes = [3, 0.7, 5, 0.12, 2, 0.004, 4].map((n) => Math.floor(n * MiB * scale));
  const files = await randomFiles(dir, sizes);
  for (const [i, f] of files.entries()) sh('mcopy', ['-i', image, f, `::f${i}`]);
  const deleted = files.filter((_, i) => i % 2 === 0);
  for (const f of deleted) sh('mdel', ['-i', image, `::${f.split('/').pop()!}`]);
  return { image, live: files.filter((_, i) => i % 2 === 1), deleted };
}

function fsckFreeBytes(image: string): number {
  const out = sh('fsck.fat', ['-n', '-v', image]);
  const [, used, total] = /(\d+)\/(\d+) clusters/.exec(out)!;
  const clusterBytes = Number(/^\s*(\d+) bytes per cluster/m.exec(out)![1]);
  return (Number(total) - Number(used)) * clusterBytes;
}

describe.skipIf(!available)('FAT free space matches fsck.fat', () => {
  const cases: readonly (readonly [12 | 16 | 32, number, string[]])[] = [
    [12, 8 * MiB, []],
    [16, 64 * MiB, []],
    [16, 30 * MiB, ['-s', '1']],
    [32, 300 * MiB, []],
    [32, 200 * MiB, ['-s', '1']],
  ];
  for (const [bits, size, extra] of cases) {
    it(`FAT${bits} of ${size / MiB} MiB ${extra.join(' ')}`, async () => {
      const dir = await newTempDir();
      const { image, live, deleted } = await makeFat(dir, bits, size, extra);
      const disk = await openRaw(image);
      try {
        const found = (await readFreeSpace(disk, { start: 0, size }))!;
        expect(found.fileSystem).toBe('vfat');
        expect(found.label).toBe(`VOL${bits}`);
        expect(found.clean).toBe(true);
        expect(found.unusedBytes).toBe(fsckFreeBytes(image));
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

  it('reads a FAT32 inside an MBR partition', async () => {
    const dir = await newTempDir();
    const { image: fs } = await makeFat(dir, 32, 300 * MiB);
    const image = join(dir, 'disk.img');
    await sparseFile(image, 302 * MiB);
    sh('sfdisk', ['-q', image], `label: dos\nstart=2048, size=${(300 * MiB) / 512}, type=c\n`);
    sh('dd', [`if=${fs}`, `of=${image}`, 'bs=1M', 'seek=1', 'conv=notrunc,sparse', 'status=none']);
    const disk = await openRaw(image);
    try {
      const found = (await readFreeSpace(disk, { start: MiB, size: 300 * MiB }))!;
      expect(found.unusedBytes).toBe(fsckFreeBytes(fs));
      expect(found.unused[0]!.offset).toBeGreaterThan(MiB);
    } finally {
      await disk.close();
    }
  });
});

describe.skipIf(!available)('FAT not cleanly unmounted', () => {
  async function reservedSectors(image: string): Promise<number> {
    const handle = await open(image, 'r');
    const boot = Buffer.alloc(512);
    await handle.read(boot, 0, 512, 0);
    await handle.close();
    return boot.readUInt16LE(14);
  }

  /** Sets a byte of the image to `f(old)`. */
  async function poke(image: string, at: number, f: (old: number) => number): Promise<void> {
    const handle = await open(image, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = f(byte[0]!);
    await handle.write(byte, 0, 1, at);
    await handle.close();
  }

  it('FAT16 with the clean-shutdown bit of entry 1 clear', async () => {
    const dir = await newTempDir();
    const { image } = await makeFat(dir, 16, 64 * MiB);
    const reserved = await reservedSectors(image);
    await poke(image, reserved * 512 + 3, (b) => b & ~0x80);
    const disk = await openRaw(image);
    const found = (await readFreeSpace(disk, { start: 0, size: 64 * MiB }))!;
    await disk.close();
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/not cleanly unmounted.*chkdsk/);
  });

  it('FAT32 with the clean-shutdown bit (27) clear, and with the boot sector dirty flag', async () => {
    const dir = await newTempDir();
    const { image } = await makeFat(dir, 32, 300 * MiB);
    const reserved = await reservedSectors(image);
    await poke(image, reserved * 512 + 7, (b) => b & ~0x08);
    let disk = await openRaw(image);
    expect((await readFreeSpace(disk, { start: 0, size: 300 * MiB }))!.clean).toBe(false);
    await disk.close();
    await poke(image, reserved * 512 + 7, (b) => b | 0x08);
    disk = await openRaw(image);
    expect((await readFreeSpace(disk, { start: 0, size: 300 * MiB }))!.clean).toBe(true);
    await disk.close();
    await poke(image, 65, (b) => b | 1);
    expect(sh('sh', ['-c', `fsck.fat -n ${image} || true`])).toMatch(/[Dd]irty bit/);
    disk = await openRaw(image);
    const found = (await readFreeSpace(disk, { start: 0, size: 300 * MiB }))!;
    await disk.close();
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/dirty/);
  });
});
