// Damaged and hostile file systems: targeted mutations of superblock and descriptor fields give FS_DAMAGED, and
// random byte mutations of the metadata of real ext4, FAT32, exFAT and NTFS volumes give either a result or a
// typed error, fast, never a crash or a hang. Where every mutated byte is under a checksum (ext4 with
// metadata_csum, exFAT's boot region), a result that is not refused never calls more space unused than before.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFreeSpace } from '../../../../electron/engine/contents/free-space';
import type { FreeSpace } from '../../../../electron/engine/contents/free-space';
import { isPlatterError } from '../../../../electron/engine/errors';
import type { DiskImage, Extent } from '../../../../electron/engine/image/disk-image';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, sh, sparseFile, within } from './make-fs';

const newTempDir = useTempDirs();
const available = has('mkfs.ext4') && has('mkfs.vfat') && has('mkfs.exfat') && has('mkntfs') && has('mcopy');
const SIZE = 64 * MiB;

/** A disk held in memory, so that thousands of mutations cost no file writes. */
function memoryImage(bytes: Uint8Array): DiskImage {
  return {
    path: 'memory.img',
    format: 'raw',
    virtualSize: bytes.length,
    read: async (target, position) => {
      if (position < 0 || position + target.length > bytes.length) throw new RangeError('outside');
      target.set(bytes.subarray(position, position + target.length));
    },
    extents: async (): Promise<Extent[]> => [{ offset: 0, length: bytes.length, kind: 'data' }],
    close: async () => {},
  };
}

async function make(dir: string, name: string, mkfs: string[], fill?: (image: string) => void): Promise<Uint8Array> {
  const image = join(dir, name);
  await sparseFile(image, SIZE);
  sh(mkfs[0]!, [...mkfs.slice(1), image]);
  fill?.(image);
  return new Uint8Array(await readFile(image));
}

async function outcome(bytes: Uint8Array): Promise<FreeSpace | null | 'damaged'> {
  try {
    return await readFreeSpace(memoryImage(bytes), { start: 0, size: bytes.length });
  } catch (err) {
    if (isPlatterError(err, 'FS_DAMAGED')) return 'damaged';
    throw err;
  }
}

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** Mutates 1-4 bytes inside `regions` many times, each time checking the outcome with `check`. */
async function fuzz(
  original: Uint8Array,
  regions: readonly (readonly [number, number])[],
  rounds: number,
  seed: number,
  check: (found: FreeSpace | null | 'damaged') => void,
): Promise<void> {
  const next = random(seed);
  for (let round = 0; round < rounds; round++) {
    // Mutated in place and put back afterwards: a copy of the whole disk per round would cost more than the read.
    const saved: [number, number][] = [];
    for (let k = 1 + Math.floor(next() * 4); k > 0; k--) {
      const [from, length] = regions[Math.floor(next() * regions.length)]!;
      const at = from + Math.floor(next() * length);
      saved.push([at, original[at]!]);
      original[at] = next() < 0.3 ? 0xff : next() < 0.5 ? 0 : Math.floor(next() * 256);
    }
    const started = Date.now();
    try {
      check(await outcome(original));
    } finally {
      for (const [at, value] of saved.reverse()) original[at] = value;
    }
    expect(Date.now() - started).toBeLessThan(3000);
  }
}

describe.skipIf(!available)('hostile file systems', () => {
  it('ext: implausible superblock and descriptor fields are refused by name', async () => {
    const dir = await newTempDir();
    const base = await make(dir, 'ext.img', ['mkfs.ext4', '-F', '-q', '-O', '^metadata_csum,^64bit', '-b', '4096']);
    const at = 1024;
    const cases: readonly (readonly [string, (v: DataView) => void, RegExp])[] = [
      ['block size', (v) => v.setUint32(at + 24, 30, true), /block size/],
      ['block count past the volume', (v) => v.setUint32(at + 4, 0xfffffff0, true), /claims/],
      ['no blocks per group', (v) => v.setUint32(at + 32, 0, true), /clusters per group/],
      ['tiny groups, millions of them', (v) => v.setUint32(at + 32, 8, true), /inodes|blocks per group/],
      ['inode count', (v) => v.setUint32(at, 12345, true), /inodes/],
      ['inode size', (v) => v.setUint16(at + 88, 100, true), /inode size/],
      ['first data block', (v) => v.setUint32(at + 20, 5, true), /first data block/],
      ['unknown incompat feature', (v) => v.setUint32(at + 96, v.getUint32(at + 96, true) | 0x1, true), /features/],
      ['descriptor bitmap outside', (v) => v.setUint32(4096, 0x7fffffff, true), /outside/],
      ['no signature', (v) => v.setUint16(at + 56, 0, true), null!],
    ];
    for (const [name, mutate, message] of cases) {
      const copy = base.slice();
      mutate(new DataView(copy.buffer));
      const error = await readFreeSpace(memoryImage(copy), { start: 0, size: SIZE }).catch((e: unknown) => e);
      if (message === null) {
        expect(error, name).toBeNull(); // not ext any more: nothing is read
        continue;
      }
      expect(isPlatterError(error, 'FS_DAMAGED'), name).toBe(true);
      expect((error as Error).message, name).toMatch(message);
    }
  });

  it('ext4 with metadata_csum: mutated superblock, descriptors and bitmaps are refused or read the same', async () => {
    const dir = await newTempDir();
    const base = await make(dir, 'ext.img', ['mkfs.ext4', '-F', '-q', '-b', '4096'], (image) => {
      const files = ['a', 'b', 'c'].map((n) => join(dir, n));
      sh('sh', ['-c', `for f in ${files.join(' ')}; do head -c 3000000 /dev/urandom > $f; done`]);
      sh('debugfs', ['-w', '-f', '-', image], files.map((f, i) => `write ${f} f${i}`).join('\n') + '\nrm f1\n');
    });
    const truth = await outcome(base);
    expect(truth).not.toBe('damaged');
    const unused = (truth as FreeSpace).unused;
    // Superblock, descriptors and the first bitmaps (flex_bg keeps them together after the reserved GDT).
    const dumpe2fs = sh('dumpe2fs', [join(dir, 'ext.img')]);
    const bitmapAt = Number(/Block bitmap at (\d+)/.exec(dumpe2fs)![1]) * 4096;
    const regions = [
      [1024, 1024],
      [4096, 4096],
      [bitmapAt, 4 * 4096],
    ] as const;
    await fuzz(base, regions, 300, 1, (found) => {
      if (found === 'damaged' || found === null) return;
      expect(within(found.unused, unused)).toBe(true);
    });
  });

  it('FAT32, exFAT and NTFS: random mutations of their metadata give a result or a typed error', async () => {
    const dir = await newTempDir();
    const fat = await make(dir, 'fat.img', ['mkfs.vfat', '-F', '32', '-s', '1'], (image) => {
      sh('sh', ['-c', `head -c 2000000 /dev/urandom > ${dir}/x && mcopy -i ${image} ${dir}/x ::x`]);
    });
    await fuzz(
      fat,
      [
        [0, 512],
        [32 * 512, 8192],
      ],
      300,
      2,
      () => {},
    );
    const exfat = await make(dir, 'exfat.img', ['mkfs.exfat']);
    const exfatTruth = (await outcome(exfat)) as FreeSpace;
    // The boot region is under its checksum: whatever is not refused reads the same.
    await fuzz(exfat, [[0, 11 * 512]], 300, 3, (found) => {
      if (found === 'damaged' || found === null) return;
      expect(within(found.unused, exfatTruth.unused)).toBe(true);
    });
    const dump = sh('dump.exfat', [join(dir, 'exfat.img')]);
    const heap = Number(/Cluster Heap Offset \(sector offset\):\s+(\d+)/.exec(dump)![1]) * 512;
    const fatAt = Number(/FAT Offset\(sector offset\):\s+(\d+)/.exec(dump)![1]) * 512;
    await fuzz(
      exfat,
      [
        [fatAt, 64],
        [heap, 64 * 1024],
      ],
      300,
      4,
      () => {},
    );
    const ntfs = await make(dir, 'ntfs.img', ['mkntfs', '-F', '-Q', '-q']);
    const boot = new DataView(ntfs.buffer, ntfs.byteOffset);
    const mft = Number(boot.getBigUint64(48, true)) * boot.getUint16(11, true) * ntfs[13]!;
    await fuzz(
      ntfs,
      [
        [0, 512],
        [mft, 8 * 1024],
      ],
      400,
      5,
      () => {},
    );
  });
});
