// Damaged and hostile VMDKs: every mutation of a header, descriptor, grain directory or table, compressed grain,
// a cut-short file or a missing extent ends in a typed error (or a check problem), never a crash or a huge buffer.
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import type { ErrorCode } from '../../../electron/engine/errors';
import { parseKdmvHeader } from '../../../electron/engine/formats/vmdk/sparse-header';
import { checkImage } from '../../../electron/engine/ops/check';
import { hashImage } from '../../../electron/engine/ops/hash';
import { writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvmdkHash, run, tools } from '../../helpers/tools';

const MIB = 1024 * 1024;
const SIZE = 4 * MIB;
const tempDir = useTempDirs();

async function made(subformat: string): Promise<{ dir: string; image: string; bytes: Buffer }> {
  const dir = await tempDir();
  const raw = join(dir, 'source.raw');
  await writeRaw(raw, SIZE, [
    [0, 70000],
    [2 * MIB, 300000],
  ]);
  const image = join(dir, 'disk.vmdk');
  await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat}`, raw, image]);
  return { dir, image, bytes: await readFile(image) };
}

async function expectCode(image: string, code: ErrorCode | ErrorCode[]): Promise<void> {
  const error = await hashImage(image).catch((e: unknown) => e);
  const codes = Array.isArray(code) ? code : [code];
  expect(
    codes.some((c) => isPlatterError(error, c)),
    String(error),
  ).toBe(true);
  expect((error as Error).message).toContain(
    image
      .split('/')
      .pop()!
      .replace(/\.vmdk$/, ''),
  );
}

describe.skipIf(!tools.qemuImg)('hostile VMDKs', () => {
  it('a mutated sparse header: version, grain size, entries per table, line-ending bytes', async () => {
    const { image, bytes } = await made('monolithicSparse');
    const cases: [number, (b: Buffer) => void][] = [
      [4, (b) => b.writeUInt32LE(9, 4)],
      [20, (b) => b.writeBigUInt64LE(3n, 20)],
      [20, (b) => b.writeBigUInt64LE(1n << 40n, 20)],
      [44, (b) => b.writeUInt32LE(0, 44)],
      [44, (b) => b.writeUInt32LE(0xffffffff, 44)],
      [75, (b) => (b[75] = 0x0a)],
    ];
    for (const [, mutate] of cases) {
      const b = Buffer.from(bytes);
      mutate(b);
      await writeFile(image, b);
      await expectCode(image, 'VMDK_BAD_HEADER');
    }
  });

  it('a grain directory or table out of the file, a capacity of 2^50 sectors: no huge allocation', async () => {
    const { image, bytes } = await made('monolithicSparse');
    const h = parseKdmvHeader(bytes, 'x');
    const gd = h.gdOffset! * 512;
    const gt = bytes.readUInt32LE(gd) * 512;
    const cases: ((b: Buffer) => void)[] = [
      (b) => b.writeBigUInt64LE(BigInt(bytes.length / 512 + 10), 56),
      (b) => b.writeBigUInt64LE(1n << 40n, 12),
      (b) => b.writeBigUInt64LE(1n << 50n, 12),
      (b) => b.writeUInt32LE(0xfffffff0, gd),
      (b) => b.writeUInt32LE(0xfffffff0, gt),
    ];
    for (const mutate of cases) {
      const b = Buffer.from(bytes);
      mutate(b);
      await writeFile(image, b);
      await expectCode(image, ['VMDK_GT_OUT_OF_RANGE', 'VMDK_BAD_HEADER', 'VMDK_BAD_DESCRIPTOR']);
    }
    // check lists the table past the end and goes on.
    const b = Buffer.from(bytes);
    b.writeUInt32LE(0xfffffff0, gt + 4);
    b.writeUInt32LE(2, gt + 8); // a grain on the header and descriptor
    await writeFile(image, b);
    const codes = (await checkImage(image)).problems.map((p) => p.code);
    expect(codes).toContain('VMDK_GT_OUT_OF_RANGE');
    expect(codes).toContain('VMDK_GRAIN_OVERLAP');
  });

  it('grain directory entries that point at one table are refused (a small file, a huge disk)', async () => {
    const dir = await tempDir();
    const image = join(dir, 'big.vmdk');
    await run('qemu-img', ['create', '-q', '-f', 'vmdk', image, '100M']);
    const bytes = await readFile(image);
    const gd = parseKdmvHeader(bytes, 'x').gdOffset! * 512;
    bytes.writeUInt32LE(bytes.readUInt32LE(gd), gd + 4);
    await writeFile(image, bytes);
    await expectCode(image, 'VMDK_GT_OUT_OF_RANGE');
    expect((await checkImage(image)).problems.map((p) => p.code)).toEqual(['VMDK_GT_OUT_OF_RANGE']);
  });

  it('a redundant grain table that differs is reported', async () => {
    const { image, bytes } = await made('monolithicSparse');
    const h = parseKdmvHeader(bytes, 'x');
    expect(h.rgdOffset).toBeGreaterThan(0);
    const rgt = bytes.readUInt32LE(h.rgdOffset * 512) * 512;
    const b = Buffer.from(bytes);
    b.writeUInt32LE(b.readUInt32LE(rgt) + 1, rgt);
    await writeFile(image, b);
    expect((await checkImage(image)).problems.map((p) => p.code)).toContain('VMDK_RGD_MISMATCH');
  });

  it('a mutated descriptor: no createType, an absurd extent, an unknown extent type', async () => {
    const { image, bytes } = await made('monolithicSparse');
    const text = bytes.toString('latin1');
    const edits: [string, string][] = [
      ['createType=', 'createTypX='],
      ['RW 8192 SPARSE', 'RW 99999999999999999999 SPARSE'],
      ['RW 8192 SPARSE', 'RW 8192 SPORSE'],
      ['parentCID=ffffffff', 'parentCID=zzzzzzzz'],
    ];
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      await writeFile(
        image,
        Buffer.from(
          text.replace(from, to.padEnd(from.length, ' ').slice(0, Math.max(to.length, from.length))),
          'latin1',
        ),
      );
      await expectCode(image, 'VMDK_BAD_DESCRIPTOR');
    }
  });

  it('a compressed grain of a wrong size or of garbage', async () => {
    const { image, bytes } = await made('streamOptimized');
    const h = parseKdmvHeader(bytes, 'x');
    const gd = (h.gdOffset ?? parseKdmvHeader(bytes.subarray(bytes.length - 1024), 'x').gdOffset!) * 512;
    const grain = bytes.readUInt32LE(bytes.readUInt32LE(gd) * 512) * 512;
    const cases: ((b: Buffer) => void)[] = [
      (b) => b.writeUInt32LE(0xffffffff, grain + 8),
      (b) => b.writeUInt32LE(0, grain + 8),
      (b) => b.fill(0x33, grain + 12, grain + 40),
    ];
    for (const mutate of cases) {
      const b = Buffer.from(bytes);
      mutate(b);
      await writeFile(image, b);
      await expectCode(image, 'VMDK_BAD_GRAIN');
    }
  });

  it('a file cut short, at every quarter', async () => {
    for (const subformat of ['monolithicSparse', 'streamOptimized']) {
      const { image, bytes } = await made(subformat);
      for (const part of [0.25, 0.5, 0.75, 0.99]) {
        await writeFile(image, bytes);
        await truncate(image, Math.floor(bytes.length * part));
        // A stream cut in its last markers still holds every grain: it reads, and check says it was cut.
        const error = await hashImage(image).then(
          async () => (await checkImage(image)).problems.map((p) => p.code).join() || 'clean',
          (e: unknown) => e,
        );
        expect(isPlatterError(error) || error === 'VMDK_STREAM_CUT', `${subformat} at ${part}: ${String(error)}`).toBe(
          true,
        );
      }
    }
  });

  it('a missing extent names itself and where it was looked for; seSparse is refused by name', async () => {
    const { dir, image } = await made('monolithicFlat');
    await rm(join(dir, 'disk-flat.vmdk'));
    const error = await hashImage(image).catch((e: unknown) => e);
    expect(isPlatterError(error, 'VMDK_EXTENT_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'disk-flat.vmdk'));
    const text = (await readFile(image, 'utf8')).replace(/FLAT "disk-flat.vmdk" 0/, 'SESPARSE "disk-sesparse.vmdk"');
    await writeFile(image, text);
    const refused = await hashImage(image).catch((e: unknown) => e);
    expect(isPlatterError(refused, 'UNSUPPORTED')).toBe(true);
    expect((refused as Error).message).toContain('seSparse');
  });

  // qemu-img 7.2 is no judge here: its convert of this disk gives twice the disk (the extent once more).
  it.skipIf(!tools.pyvmdk)('a vmfsSparse (COWD) extent reads as libvmdk reads it', async () => {
    const dir = await tempDir();
    const grains = 64; // 4 KiB grains: a 256 KiB disk
    const grainSectors = 8;
    const cowd = Buffer.alloc(512 * (2 + 32) + 3 * 4096);
    cowd.write('COWD', 0, 'latin1');
    cowd.writeUInt32LE(1, 4);
    cowd.writeUInt32LE(3, 8);
    cowd.writeUInt32LE(grains * grainSectors, 12);
    cowd.writeUInt32LE(grainSectors, 16);
    cowd.writeUInt32LE(1, 20); // GD at sector 1
    cowd.writeUInt32LE(1, 24); // one GD entry
    cowd.writeUInt32LE(2, 512); // GT at sector 2 (4096 entries, 32 sectors)
    const firstGrain = 34;
    for (const [i, g] of [0, 5, 63].entries()) {
      cowd.writeUInt32LE(firstGrain + i * grainSectors, 1024 + g * 4);
      cowd.fill(0x41 + i, (firstGrain + i * grainSectors) * 512, (firstGrain + (i + 1) * grainSectors) * 512);
    }
    await writeFile(join(dir, 'snap-delta.vmdk'), cowd);
    const descriptor = join(dir, 'snap.vmdk');
    await writeFile(
      descriptor,
      `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="vmfsSparse"\n\n` +
        `# Extent description\nRW ${grains * grainSectors} VMFSSPARSE "snap-delta.vmdk"\n\n# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = "4"\n`,
    );
    const { size, sha256: truth } = await pyvmdkHash(descriptor);
    expect(size).toBe(grains * 4096);
    expect((await hashImage(descriptor)).sha256).toBe(truth);
    expect((await hashImage(join(dir, 'snap-delta.vmdk'))).sha256).toBe(truth);
    expect((await checkImage(descriptor)).problems).toEqual([]);
  });
});
