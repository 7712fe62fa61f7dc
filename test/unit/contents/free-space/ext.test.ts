// ext2/3/4 free space against dumpe2fs: file systems made by mke2fs in every layout the reader handles (flex_bg
// or not, 32- and 64-byte descriptors, uninit_bg and metadata_csum with BLOCK_UNINIT groups, meta_bg, bigalloc,
// 1 KiB blocks), files written and deleted with debugfs, and the free block ranges compared exactly.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFreeSpace } from '../../../../electron/engine/contents/free-space';
import type { ByteRange } from '../../../../electron/engine/contents/free-space';
import { useTempDirs } from '../../../helpers/temp-dir';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { MiB, has, merged, openRaw, randomFiles, sh, sparseFile } from './make-fs';
import { canMount } from './mounted';

const newTempDir = useTempDirs();
const available = has('mkfs.ext4') && has('debugfs') && has('dumpe2fs');

/** dumpe2fs's free block ranges, as absolute byte ranges of a volume starting at `start`. */
function dumpe2fsFree(image: string, start: number, offset?: number): ByteRange[] {
  const target = offset ? `${image}?offset=${offset}` : image;
  const out = sh('dumpe2fs', [target]);
  const blockSize = Number(/^Block size:\s+(\d+)/m.exec(out)![1]);
  // With bigalloc a range ends at its last cluster's first block.
  const ratio = Number(/^Cluster size:\s+(\d+)/m.exec(out)?.[1] ?? blockSize) / blockSize;
  const blocks = Number(/^Block count:\s+(\d+)/m.exec(out)![1]);
  const ranges: ByteRange[] = [];
  for (const [, list] of out.matchAll(/^\s+Free blocks: (.*)$/gm)) {
    for (const part of list!.split(', ').filter((p) => p.trim() !== '')) {
      const [a, b] = part.split('-').map(Number);
      const end = Math.min((b ?? a!) + ratio, blocks);
      ranges.push({ offset: start + a! * blockSize, length: (end - a!) * blockSize });
    }
  }
  return merged(ranges);
}

/** A file system made with `mkfsArgs`, files of random data written and every other one deleted. */
async function makeExt(dir: string, size: number, mkfsArgs: string[], offset = 0): Promise<string> {
  const image = join(dir, 'disk.img');
  await sparseFile(image, size);
  const target = offset ? join(dir, 'fs.img') : image;
  if (offset) await sparseFile(target, size - offset - MiB);
  sh('mkfs.ext4', ['-F', '-q', ...mkfsArgs, target]);
  const files = await randomFiles(dir, [3 * MiB, 700 * 1024, 5 * MiB, 123457, 2 * MiB, 4096, 9 * MiB]);
  const commands = files.map((f, i) => `write ${f} f${i}`);
  commands.push(...files.map((_, i) => `rm f${i}`).filter((_, i) => i % 2 === 0));
  sh('debugfs', ['-w', '-f', '-', target], commands.join('\n') + '\n');
  if (offset) {
    sh('sfdisk', ['-q', image], `label: gpt\nstart=${offset / 512}, size=${(size - offset - MiB) / 512}\n`);
    sh('dd', [`if=${target}`, `of=${image}`, 'bs=1M', `seek=${offset / MiB}`, 'conv=notrunc,sparse', 'status=none']);
  }
  return image;
}

const LAYOUTS: readonly (readonly [string, number, string[]])[] = [
  ['ext4 defaults (64bit, flex_bg, metadata_csum, uninit groups)', 512 * MiB, ['-E', 'lazy_itable_init=1']],
  ['ext4 without flex_bg', 300 * MiB, ['-O', '^flex_bg']],
  ['ext4 32-byte descriptors (^64bit)', 300 * MiB, ['-O', '^64bit']],
  ['ext4 uninit_bg with crc16 descriptors', 400 * MiB, ['-O', '^metadata_csum,uninit_bg']],
  ['ext4 meta_bg', 400 * MiB, ['-O', 'meta_bg,^resize_inode']],
  ['ext4 bigalloc 16 KiB clusters', 600 * MiB, ['-O', 'bigalloc', '-C', '16384']],
  ['ext4 1 KiB blocks', 100 * MiB, ['-b', '1024']],
  ['ext2', 120 * MiB, ['-t', 'ext2']],
  ['ext3', 120 * MiB, ['-t', 'ext3', '-L', 'data3']],
  ['ext4 sparse_super2, 2 KiB blocks, no flex_bg', 200 * MiB, ['-O', 'sparse_super2,^flex_bg', '-b', '2048']],
];

describe.skipIf(!available)('ext free space matches dumpe2fs', () => {
  for (const [name, size, args] of LAYOUTS) {
    it(name, async () => {
      const dir = await newTempDir();
      const image = await makeExt(dir, size, args);
      const disk = await openRaw(image);
      try {
        const found = await readFreeSpace(disk, { start: 0, size });
        const truth = dumpe2fsFree(image, 0);
        expect(found).not.toBeNull();
        expect(found!.clean).toBe(true);
        expect(found!.reason).toBeNull();
        expect(found!.unused).toEqual(truth);
        expect(found!.unusedBytes).toBe(truth.reduce((n, r) => n + r.length, 0));
        expect(found!.unusedBytes).toBeGreaterThan(0);
      } finally {
        await disk.close();
      }
    });
  }

  it('has BLOCK_UNINIT groups in the default layout, whose computed bitmaps agree', async () => {
    const dir = await newTempDir();
    const image = await makeExt(dir, 512 * MiB, []);
    expect(sh('dumpe2fs', [image])).toMatch(/\[.*BLOCK_UNINIT.*\]/);
  });

  it('reads a volume inside a GPT partition (absolute disk offsets)', async () => {
    const dir = await newTempDir();
    const start = 2 * MiB;
    const image = await makeExt(dir, 256 * MiB, ['-L', 'inner'], start);
    const disk = await openRaw(image);
    try {
      const found = await readFreeSpace(disk, { start, size: 256 * MiB - start - MiB });
      expect(found!.label).toBe('inner');
      expect(found!.fileSystem).toBe('ext4');
      expect(found!.unused).toEqual(dumpe2fsFree(image, start, start));
      expect(found!.unused[0]!.offset).toBeGreaterThanOrEqual(start);
    } finally {
      await disk.close();
    }
  });
});

describe.skipIf(!available)('ext not cleanly unmounted', () => {
  it.skipIf(!canMount)(
    'a copy taken while the kernel has it mounted needs recovery (dumpe2fs lists needs_recovery)',
    async () => {
      const dir = await newTempDir();
      const image = join(dir, 'disk.img');
      const copy = join(dir, 'copy.img');
      const point = join(dir, 'mnt');
      await sparseFile(image, 64 * MiB);
      sh('mkfs.ext4', ['-F', '-q', image]);
      await mkdir(point);
      const device = sh('losetup', ['-f', '--show', image]).trim();
      try {
        sh('mount', [device, point]);
        try {
          await writeFile(join(point, 'live'), 'written while mounted');
          sh('sync', []);
          await copyFile(image, copy);
        } finally {
          sh('umount', [point]);
        }
      } finally {
        sh('losetup', ['-d', device]);
        await rm(point, { recursive: true });
      }
      expect(sh('dumpe2fs', ['-h', copy])).toMatch(/needs_recovery/);
      const disk = await openRaw(copy);
      try {
        const found = await readFreeSpace(disk, { start: 0, size: 64 * MiB });
        expect(found!.clean).toBe(false);
        expect(found!.reason).toMatch(/journal recovery.*wsl --shutdown/);
      } finally {
        await disk.close();
      }
      const original = await openRaw(image);
      try {
        expect((await readFreeSpace(original, { start: 0, size: 64 * MiB }))!.clean).toBe(true);
      } finally {
        await original.close();
      }
    },
  );

  const cases: readonly (readonly [string, string, RegExp])[] = [
    ['needs_recovery', 'feature needs_recovery', /journal recovery.*wsl --shutdown/],
    ['an orphan list', 'ssv last_orphan 12', /orphan/],
    ['state not clean', 'ssv state 0', /e2fsck/],
    ['state with errors', 'ssv state 3', /e2fsck/],
  ];
  for (const [name, command, reason] of cases) {
    it(`${name} gives clean: false and says what to do`, async () => {
      const dir = await newTempDir();
      const image = join(dir, 'disk.img');
      await sparseFile(image, 64 * MiB);
      sh('mkfs.ext4', ['-F', '-q', image]);
      sh('debugfs', ['-w', '-R', command, image]);
      const disk = await openRaw(image);
      try {
        const found = await readFreeSpace(disk, { start: 0, size: 64 * MiB });
        expect(found!.clean).toBe(false);
        expect(found!.reason).toMatch(reason);
      } finally {
        await disk.close();
      }
    });
  }
});

describe.skipIf(!available)('a 2 TiB ext4', () => {
  it('is read group by group (16 384 groups) in little time and memory, equal to dumpe2fs', async () => {
    const dir = await newTempDir();
    const image = join(dir, 'big.img');
    const size = 2 * 1024 * 1024 * MiB;
    await sparseFile(image, size);
    sh('mkfs.ext4', ['-F', '-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1', image]);
    const disk = await openRaw(image);
    try {
      const heap = process.memoryUsage().heapUsed;
      const started = Date.now();
      const found = (await readFreeSpace(disk, { start: 0, size }))!;
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(200 * MiB);
      expect(found.unused).toEqual(dumpe2fsFree(image, 0));
    } finally {
      await disk.close();
    }
  }, 60_000);
});
