// qcow2 images qemu-img 7.2 makes, in every variant it writes: read by Platter as qemu-img reads them (its raw
// copy's hash), and checked clean by both. zstd and zlib compression, extended L2 entries with subclusters over a
// raw backing file, version 2, 512-byte to 2 MiB clusters, refcounts of 1 to 64 bits, zero clusters, snapshots.
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage } from '../../electron/engine/image/open-image';
import { checkImage } from '../../electron/engine/ops/check';
import { hashImage } from '../../electron/engine/ops/hash';
import { describeQcow2 } from '../../electron/engine/formats/qcow2/qcow2-info';
import type { Qcow2Info } from '../../electron/engine/formats/qcow2/qcow2-info';
import { writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { qemuContentHash, qemuIo, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const SIZE = 12 * MiB;

async function rawSource(dir: string): Promise<string> {
  const raw = join(dir, 'src.img');
  await writeRaw(raw, SIZE, [
    [0, 200 * 1024],
    [5 * MiB - 4096, 12288],
    [SIZE - 4096, 4096],
  ]);
  // A compressible run, for the compressed variants.
  const file = await open(raw, 'r+');
  await file.write(Buffer.alloc(MiB, 0x61), 0, MiB, 8 * MiB);
  await file.close();
  return raw;
}

/** Platter reads what qemu-img reads, both find nothing wrong, and info says what the options asked. */
async function expectSameAsQemu(path: string, dir: string): Promise<Qcow2Info> {
  expect((await hashImage(path)).sha256).toBe(await qemuContentHash(path, dir, 'qcow2'));
  expect((await checkImage(path)).problems).toEqual([]);
  expect(await run('qemu-img', ['check', '-f', 'qcow2', path])).toContain('No errors were found');
  return (await describeQcow2(path)).info as Qcow2Info;
}

describe.skipIf(!tools.qemuImg)('qcow2 made by qemu-img', () => {
  it.each([
    ['zstd compressed', ['-c', '-o', 'compression_type=zstd'], { compressionType: 'zstd' }],
    ['zlib compressed, 4 KiB clusters', ['-c', '-o', 'cluster_size=4k'], { clusterSize: 4096 }],
    ['version 2', ['-o', 'compat=0.10'], { version: 2 }],
    ['512-byte clusters', ['-o', 'cluster_size=512'], { clusterSize: 512 }],
    ['2 MiB clusters', ['-o', 'cluster_size=2M'], { clusterSize: 2 * MiB }],
    ['1-bit refcounts', ['-o', 'refcount_bits=1'], { refcountBits: 1 }],
    ['64-bit refcounts', ['-o', 'refcount_bits=64'], { refcountBits: 64 }],
    ['extended L2 entries', ['-o', 'extended_l2=on,cluster_size=32k'], { extendedL2: true }],
    ['lazy refcounts', ['-o', 'lazy_refcounts=on'], { lazyRefcounts: true }],
  ] as const)('%s', async (_name, options, expected) => {
    const dir = await tempDir();
    const path = join(dir, 'q.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', ...options, await rawSource(dir), path]);
    const info = await expectSameAsQemu(path, dir);
    expect(info).toMatchObject(expected);
    if (options[0] === '-c') expect(info.compressedClusters).toBeGreaterThan(0);
  });

  it('an extended-L2 overlay of a raw backing file in its own folder: subclusters, zeros, the backing file', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'vm');
    await mkdir(sub);
    await writeRaw(join(sub, 'base.raw'), SIZE, [[0, 4 * MiB]], 'base');
    const overlay = join(sub, 'overlay.qcow2');
    const create = [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-o',
      'extended_l2=on,cluster_size=64k',
      '-b',
      'base.raw',
      '-F',
      'raw',
    ];
    await run('qemu-img', [...create, overlay]);
    const writes = ['write -P 0x55 4096 4096', 'write -z 65536 8192', 'write -z 1M 1M', 'write -P 7 3M 100k'];
    expect((await qemuIo(overlay, writes, 'qcow2')).code).toBe(0);
    const info = await expectSameAsQemu(overlay, dir);
    expect(info.backingFile).toEqual({ name: 'base.raw', format: 'raw', resolvedPath: join(sub, 'base.raw') });
    const image = await openImage(overlay);
    try {
      expect(image.parent?.format).toBe('raw');
      // One subcluster of the first cluster is the overlay's, the rest the backing file's.
      const bytes = new Uint8Array(3 * 2048);
      await image.read(bytes, 2048);
      expect(bytes.subarray(2048, 4096).every((b) => b === 0x55)).toBe(true);
      expect(bytes.subarray(0, 2048).some((b) => b !== 0x55)).toBe(true);
    } finally {
      await image.close();
    }
  });

  it('a version 3 overlay with zero clusters over a qcow2 backing file, and one with internal snapshots', async () => {
    const dir = await tempDir();
    const base = join(dir, 'base.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', await rawSource(dir), base]);
    const overlay = join(dir, 'top.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', overlay]);
    expect((await qemuIo(overlay, ['write -z 0 128k', 'write -P 3 5M 64k', 'discard 11M 1M'], 'qcow2')).code).toBe(0);
    await expectSameAsQemu(overlay, dir);
    await run('qemu-img', ['snapshot', '-c', 'before', base]);
    expect((await qemuIo(base, ['write -P 9 1M 64k'], 'qcow2')).code).toBe(0);
    await run('qemu-img', ['snapshot', '-c', 'after', base]);
    const info = await expectSameAsQemu(base, dir);
    expect(info.snapshots.map((s) => s.name)).toEqual(['before', 'after']);
    await expectSameAsQemu(overlay, dir);
  });
});
