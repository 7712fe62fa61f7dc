// raw -> VHD -> raw round trips, checked against qemu-img and libvhdi; presets; verify; VHDX fixtures.
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { roundUpToGeometry } from '../../../electron/engine/ops/presets';
import { geometryForSectors, geometrySectors } from '../../../electron/engine/formats/vhd/geometry';
import { sha256File, writeRaw } from '../../helpers/data';
import { fixturePath, fixturesAvailable, readableEntries } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuVirtualSize, run, tools, vhdiMediaSize } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
// Data at the start, across a 512 KiB and a 2 MiB boundary, a tiny run in the middle, and the very end.
const PIECES: [number, number][] = [
  [0, 8192],
  [512 * 1024 - 1000, 3000],
  [2 * MiB - 4096, 8192],
  [5 * MiB + 513, 7],
  [12 * MiB - 700, 700],
];

async function sourceRaw(dir: string, size = 12 * MiB): Promise<string> {
  const path = join(dir, 'source.img');
  await writeRaw(
    path,
    size,
    PIECES.filter(([o, l]) => o + l <= size),
  );
  return path;
}

const targets = [
  { name: 'fixed', type: 'fixed' as const },
  { name: 'dynamic, 2 MiB blocks', type: 'dynamic' as const, blockSize: 2 * MiB },
  { name: 'dynamic, 512 KiB blocks', type: 'dynamic' as const, blockSize: 512 * 1024 },
];

describe('raw -> VHD -> raw', () => {
  it.each(targets)('$name: byte-identical, and qemu-img and libvhdi agree', async ({ type, blockSize }) => {
    const dir = await tempDir();
    const raw = await sourceRaw(dir);
    const vhd = join(dir, 'disk.vhd');
    const back = join(dir, 'back.img');
    const sourceHash = await sha256File(raw);
    const result = await convertImage({ input: raw, output: vhd, type, ...(blockSize && { blockSize }), verify: true });
    expect(result.verifiedSha256).toBe(sourceHash);
    expect(result.diskType).toBe(type);
    await convertImage({ input: vhd, output: back });
    expect(await sha256File(back)).toBe(sourceHash);
    expect(await sha256File(raw)).toBe(sourceHash); // the source is never touched
    if (tools.qemuImg) {
      expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, vhd])).toContain('identical');
      expect(await qemuVirtualSize(vhd)).toBe(12 * MiB);
    }
    if (tools.vhdiinfo) expect(await vhdiMediaSize(vhd)).toBe(12 * MiB);
  });

  it('a dynamic output allocates only blocks holding data, and zero runs stay holes', async () => {
    const dir = await tempDir();
    const raw = await sourceRaw(dir);
    const vhd = join(dir, 'disk.vhd');
    await convertImage({ input: raw, output: vhd, blockSize: 512 * 1024 });
    const info = await inspectImage(vhd);
    // Blocks 0, 0/1 (boundary), 3/4, 10, 23 of 24: the pieces touch exactly six 512 KiB blocks.
    expect(info.allocatedBlocks).toBe(6);
    expect((await stat(vhd)).blocks * 512).toBeLessThan(6 * 512 * 1024);
  });

  it('pads a raw source that is not a whole number of sectors and says so', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'odd.img');
    await writeRaw(raw, 1000, [[0, 1000]]);
    const result = await convertImage({ input: raw, output: join(dir, 'odd.vhd') });
    expect(result.paddedBytes).toBe(24);
    expect(result.virtualSize).toBe(1024);
  });

  it('a differencing input becomes a standalone output with the chain content', async () => {
    const dir = await tempDir();
    const raw = await sourceRaw(dir);
    const base = join(dir, 'base.vhd');
    await convertImage({ input: raw, output: base });
    const { createImage } = await import('../../../electron/engine/ops/create');
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: base });
    const flat = join(dir, 'flat.vhd');
    await convertImage({ input: child, output: flat });
    expect((await inspectImage(flat)).diskType).toBe('dynamic');
    expect((await hashImage(flat)).sha256).toBe(await sha256File(raw));
  });
});

describe('presets', () => {
  it('azure: fixed, whole MiB, file size = virtual size + 512, qemu-img reads it exactly', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'odd.img');
    await writeRaw(raw, 3 * MiB + 4096, [
      [0, 4096],
      [3 * MiB, 4096],
    ]);
    const out = join(dir, 'azure.vhd');
    const result = await convertImage({ input: raw, output: out, preset: 'azure', verify: true });
    expect(result.virtualSize).toBe(4 * MiB);
    expect(result.roundedBytes).toBe(MiB - 4096);
    const info = await inspectImage(out);
    expect(info.diskType).toBe('fixed');
    expect(info.virtualSize % MiB).toBe(0);
    expect((await stat(out)).size).toBe(info.virtualSize + 512);
    if (tools.qemuImg) expect(await qemuVirtualSize(out)).toBe(4 * MiB);
    if (tools.vhdiinfo) expect(await vhdiMediaSize(out)).toBe(4 * MiB);
  });

  it('virtualpc: the size is rounded up to an exact geometry', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 10 * MiB, [[0, 4096]]);
    const out = join(dir, 'vpc.vhd');
    const result = await convertImage({ input: raw, output: out, preset: 'virtualpc' });
    const info = await inspectImage(out);
    expect(result.virtualSize).toBeGreaterThanOrEqual(10 * MiB);
    expect(info.consumerSizes.virtualPc).toBe(info.virtualSize);
    expect(info.consumerSizes.qemuImg).toBe(info.virtualSize);
    expect(info.warnings).toEqual([]);
  });

  // Each writes its own format and layout; qemu-img reads the format, checks it clean, and finds the content the same.
  it.runIf(tools.qemuImg).each([
    ['virtualbox', 'vdi', 'vdi', /VirtualBox|vdi/],
    ['vmware', 'vmdk', 'vmdk', /monolithicSparse/],
    ['esxi', 'vmdk', 'vmdk', /streamOptimized/],
    ['kvm', 'qcow2', 'qcow2', /compat: 1\.1/],
    ['proxmox', 'qcow2', 'qcow2', /cluster_size: 65536/],
  ] as const)('%s writes a %s image that qemu-img reads', async (preset, ext, qemuFormat, shape) => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 6 * MiB, [
      [0, 4096],
      [5 * MiB, 70_000],
    ]);
    const out = join(dir, `disk.${ext}`);
    await convertImage({ input: raw, output: out, preset });
    const info = await run('qemu-img', ['info', '-f', qemuFormat, out]);
    expect(info).toMatch(shape);
    expect(await run('qemu-img', ['check', '-f', qemuFormat, out])).toMatch(/No errors/);
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', qemuFormat, raw, out])).toMatch(/identical/);
  });

  it('roundUpToGeometry gives sizes whose geometry is exact', () => {
    for (const size of [512, 1_000_000, 10 * MiB, 4096 * MiB, 100 * 1024 * MiB]) {
      const rounded = roundUpToGeometry(size);
      expect(rounded).toBeGreaterThanOrEqual(size);
      expect(geometrySectors(geometryForSectors(rounded / 512)) * 512).toBe(rounded);
    }
    expect(() => roundUpToGeometry(200 * 1024 * MiB)).toThrow(/Virtual PC/);
  });
});

describe('bad requests', () => {
  it('refuses to write over the source, an existing file, VHDX output, and an unknown extension', async () => {
    const dir = await tempDir();
    const raw = await sourceRaw(dir);
    const existing = join(dir, 'exists.vhd');
    await convertImage({ input: raw, output: existing });
    const codes = async (o: Parameters<typeof convertImage>[0]) =>
      convertImage(o).then(
        () => 'ok',
        (e: unknown) => (isPlatterError(e) ? e.code : String(e)),
      );
    expect(await codes({ input: raw, output: raw, format: 'raw' })).toBe('BAD_ARGUMENT');
    expect(await codes({ input: raw, output: existing })).toBe('FILE_EXISTS');
    expect(await codes({ input: raw, output: join(dir, 'out.vhdx'), preallocate: true })).toBe('BAD_ARGUMENT');
    expect(await codes({ input: raw, output: join(dir, 'out.qed') })).toBe('BAD_ARGUMENT');
    expect(await codes({ input: raw, output: join(dir, 'missing', 'out.vhd') })).toBe('NOT_FOUND');
    expect(await codes({ input: join(dir, 'nope.img'), output: join(dir, 'out.vhd') })).toBe('NOT_FOUND');
    expect((await readdir(dir)).sort()).toEqual(['exists.vhd', 'source.img']);
  });
});

const vhdx = readableEntries('vhdx');

describe.skipIf(!fixturesAvailable)('VHDX fixtures convert to VHD', () => {
  it.each(vhdx.map((e) => [e.file, e] as const))('%s', async (_name, entry) => {
    const out = join(await tempDir(), 'out.vhd');
    await convertImage({ input: fixturePath(entry.file), output: out, verify: true });
    const { sha256, virtualSize } = await hashImage(out);
    expect(virtualSize).toBe(entry.virtualSize);
    expect(sha256).toBe(entry.contentSha256);
  });
});

describe('permissions', () => {
  it('an output never has permission bits its source lacks: a mode-600 source gives a 600 copy', async () => {
    const dir = await tempDir();
    const source = join(dir, 'secret.img');
    await writeRaw(source, MiB, [[0, 4096]]);
    await chmod(source, 0o600);
    for (const output of ['copy.vhd', 'copy.vhdx', 'copy.img']) {
      await convertImage({ input: source, output: join(dir, output) });
      expect((await stat(join(dir, output))).mode & 0o777, output).toBe(0o600);
    }
    await chmod(source, 0o640);
    await convertImage({ input: source, output: join(dir, 'narrower.vhd'), outputMode: 0o604 });
    expect((await stat(join(dir, 'narrower.vhd'))).mode & 0o777).toBe(0o600);
  });
});
