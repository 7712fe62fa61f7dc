// qcow2 images Platter writes: raw -> qcow2 -> raw gives the same bytes back, and qemu-img 7.2 (check: no leaks,
// no errors; compare: identical; info: version 3, the cluster size, 16-bit refcounts, lazy refcounts off) and
// libqcow read each one alike: 64 KiB, 4 KiB and 2 MiB clusters, plain and zlib-compressed. And qcow2 -> VHD ->
// qcow2 round-trips.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { convertImage } from '../../electron/engine/ops/convert';
import { checkImage } from '../../electron/engine/ops/check';
import { hashImage } from '../../electron/engine/ops/hash';
import { describeQcow2 } from '../../electron/engine/formats/qcow2/qcow2-info';
import type { Qcow2Info } from '../../electron/engine/formats/qcow2/qcow2-info';
import { cli } from '../helpers/cli';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { pyqcowHash, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const KiB = 1024;
const MiB = 1024 * KiB;
/** Not a whole number of 2 MiB clusters: the last cluster is cut by the disk's end. */
const SIZE = 40 * MiB + 3 * 512;

/** Data at the start, across cluster boundaries of every size, a run of one repeated byte, and in the last sector. */
const PIECES: [number, number][] = [
  [0, 300 * KiB],
  [2 * MiB - 8 * KiB, 16 * KiB],
  [17 * MiB + 512, 70000],
  [30 * MiB, 5 * MiB],
  [SIZE - 1024, 1024],
];

interface Case {
  readonly clusterSize: number;
  readonly compress: boolean;
}

const cases: Case[] = [
  { clusterSize: 64 * KiB, compress: false },
  { clusterSize: 4 * KiB, compress: false },
  { clusterSize: 2 * MiB, compress: false },
  { clusterSize: 64 * KiB, compress: true },
  { clusterSize: 4 * KiB, compress: true },
];

interface QemuInfo {
  'virtual-size': number;
  'cluster-size': number;
  'format-specific': { data: { compat: string; 'lazy-refcounts': boolean; 'refcount-bits': number } };
}

async function source(dir: string): Promise<string> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, SIZE, PIECES);
  // A compressible run: what --compress makes smaller.
  const { open } = await import('node:fs/promises');
  const file = await open(raw, 'r+');
  await file.write(Buffer.alloc(3 * MiB, 0x5a), 0, 3 * MiB, 31 * MiB);
  await file.close();
  return raw;
}

async function expectQemuReads(qcow2: string, raw: string, c: Case): Promise<void> {
  const check = await run('qemu-img', ['check', '-f', 'qcow2', qcow2]);
  expect(check).toContain('No errors were found on the image.');
  expect(check).not.toMatch(/leaked/i);
  expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, qcow2])).toContain('identical');
  const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'qcow2', qcow2])) as QemuInfo;
  expect(info['virtual-size']).toBe(SIZE);
  expect(info['cluster-size']).toBe(c.clusterSize);
  expect(info['format-specific'].data).toMatchObject({ compat: '1.1', 'lazy-refcounts': false, 'refcount-bits': 16 });
}

describe.skipIf(!tools.qemuImg)('qcow2 written by Platter', () => {
  it.each(cases.map((c) => [`${c.clusterSize / KiB} KiB clusters${c.compress ? ', compressed' : ''}`, c] as const))(
    '%s: round trip and peers',
    async (_name, c) => {
      const dir = await tempDir();
      const raw = await source(dir);
      const qcow2 = join(dir, 'disk.qcow2');
      const result = await convertImage({
        input: raw,
        output: qcow2,
        blockSize: c.clusterSize,
        compress: c.compress,
        verify: true,
      });
      expect(result).toMatchObject({
        format: 'qcow2',
        diskType: 'dynamic',
        blockSize: c.clusterSize,
        virtualSize: SIZE,
      });
      expect((await checkImage(qcow2)).problems).toEqual([]);
      const info = (await describeQcow2(qcow2)).info as Qcow2Info;
      expect(info).toMatchObject({ version: 3, clusterSize: c.clusterSize, refcountBits: 16, lazyRefcounts: false });
      // Zero clusters are not written: far fewer clusters than the disk has.
      const dataClusters =
        PIECES.reduce((n, [, length]) => n + Math.ceil(length / c.clusterSize) + 1, 0) + (3 * MiB) / c.clusterSize;
      expect(info.allocatedBlocks).toBeLessThanOrEqual(dataClusters);
      if (c.compress) expect(info.compressedClusters).toBeGreaterThan(0);
      else expect(info.compressedClusters).toBe(0);
      const back = join(dir, 'back.img');
      await convertImage({ input: qcow2, output: back });
      expect(await sha256File(back)).toBe(await sha256File(raw));
      await expectQemuReads(qcow2, raw, c);
      if (tools.pyqcow) expect(await pyqcowHash(qcow2)).toBe(await sha256File(raw));
    },
    120_000,
  );

  it('--compress makes a smaller file of a compressible disk', async () => {
    const dir = await tempDir();
    const raw = await source(dir);
    const plain = await convertImage({ input: raw, output: join(dir, 'p.qcow2') });
    const packed = await convertImage({ input: raw, output: join(dir, 'c.qcow2'), compress: true });
    expect(packed.fileSize).toBeLessThan(plain.fileSize - 2 * MiB);
  });

  it('qcow2 -> VHD -> qcow2 gives the same disk back', async () => {
    const dir = await tempDir();
    const raw = await source(dir);
    await convertImage({ input: raw, output: join(dir, 'a.qcow2'), compress: true });
    await convertImage({ input: join(dir, 'a.qcow2'), output: join(dir, 'b.vhd') });
    await convertImage({ input: join(dir, 'b.vhd'), output: join(dir, 'c.qcow2'), blockSize: 16 * KiB });
    const { sha256 } = await hashImage(join(dir, 'c.qcow2'));
    expect(sha256).toBe(await sha256File(raw));
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, join(dir, 'c.qcow2')])).toContain(
      'identical',
    );
    expect(
      await run('qemu-img', ['compare', '-f', 'vpc', '-F', 'qcow2', join(dir, 'b.vhd'), join(dir, 'a.qcow2')]),
    ).toContain('identical');
  });

  it('options a qcow2 does not take are refused, and --compress for other formats', async () => {
    const dir = await tempDir();
    const raw = await source(dir);
    for (const [options, words] of [
      [{ blockSize: 256 }, /512 bytes to 2 MiB/],
      [{ blockSize: 4 * MiB }, /512 bytes to 2 MiB/],
      [{ type: 'fixed' as const }, /no fixed type/],
      [{ logicalSectorSize: 4096 as const }, /sector sizes/],
      [{ preallocate: true }, /--preallocate/],
    ] as const) {
      const error = await convertImage({ input: raw, output: join(dir, 'x.qcow2'), ...options }).catch(
        (e: unknown) => e,
      );
      expect(isPlatterError(error, 'BAD_ARGUMENT'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(words);
    }
    for (const output of ['x.vhd', 'x.vhdx', 'x.img']) {
      const error = await convertImage({ input: raw, output: join(dir, output), compress: true }).catch(
        (e: unknown) => e,
      );
      expect(isPlatterError(error, 'BAD_ARGUMENT')).toBe(true);
      expect((error as Error).message).toContain('--compress applies to qcow2 outputs');
    }
  });

  it('the CLI: convert --compress, create, info', async () => {
    const dir = await tempDir();
    const raw = await source(dir);
    const out = join(dir, 'cli.qcow2');
    const converted = await cli('convert', '--quiet', raw, out, '--compress', '--block-size', '32K');
    expect(converted.code, converted.stderr).toBe(0);
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw, out])).toContain('identical');
    const info = await cli('info', out);
    expect(info.stdout).toMatch(/Format:\s+qcow2 version 3/);
    expect(info.stdout).toMatch(/Cluster size:\s+32 KiB/);
    const created = join(dir, 'empty.qcow2');
    expect((await cli('create', created, '--size', '1G')).code).toBe(0);
    expect(await run('qemu-img', ['check', '-f', 'qcow2', created])).toContain('No errors were found');
    const refused = await cli('convert', raw, join(dir, 'x.vhd'), '--compress');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--compress applies to qcow2 outputs');
  });
});
