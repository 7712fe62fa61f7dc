// Differencing VDIs (a child names its parent by UUID only) and the old 0.2 header, built byte by byte here and read
// against content worked out from their raw sources.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { vdiDriver } from '../../../electron/engine/formats/vdi/driver';
import { writeGuid } from '../../../electron/engine/formats/vhdx/guid';
import { openImage } from '../../../electron/engine/image/open-image';
import { checkImage } from '../../../electron/engine/ops/check';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { cli } from '../../helpers/cli';
import { seededBytes, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * base.vdi (data in blocks 0, 2 and 3 of 5) and a child of it in `childDir` holding block 1 of its own and block 3
 * as a zero block; returns the content the child must read.
 */
async function chain(dir: string, childDir = dir): Promise<{ base: string; child: string; expected: Buffer }> {
  const baseRaw = join(dir, 'base.img');
  await writeRaw(
    baseRaw,
    5 * MiB,
    [
      [0, 300 * 1024],
      [2 * MiB + 512, 70000],
      [3 * MiB, 4096],
    ],
    'base',
  );
  const base = join(dir, 'base.vdi');
  await convertImage({ input: baseRaw, output: base });
  const childRaw = join(dir, 'child.img');
  await writeRaw(childRaw, 5 * MiB, [[MiB + 4096, 200 * 1024]], 'child');
  await mkdir(childDir, { recursive: true });
  const child = join(childDir, `{${randomUUID()}}.vdi`);
  await convertImage({ input: childRaw, output: child });
  const parentBytes = await readFile(base);
  const bytes = await readFile(child);
  bytes.writeUInt32LE(4, 0x4c); // differencing
  parentBytes.copy(bytes, 0x1a8, 0x188, 0x198); // the parent's image UUID
  parentBytes.copy(bytes, 0x1b8, 0x198, 0x1a8); // and its modification UUID
  bytes.writeUInt32LE(0xfffffffe, MiB + 3 * 4); // block 3: zeros, whatever the parent holds
  await writeFile(child, bytes);
  const expected = await readFile(baseRaw);
  (await readFile(childRaw)).copy(expected, MiB, MiB, 2 * MiB);
  expected.fill(0, 3 * MiB, 4 * MiB);
  return { base, child, expected };
}

describe('differencing VDIs', () => {
  it('a child reads through its parent, found by UUID in its folder; info and check name it', async () => {
    const dir = await tempDir();
    const { base, child, expected } = await chain(dir);
    expect((await hashImage(child)).sha256).toBe(sha256(expected));
    const image = await openImage(child);
    expect(image.parent?.path).toBe(base);
    await image.close();
    const d = await vdiDriver.describe!(child);
    expect(d.diskType).toBe('differencing');
    expect(d.parent).toMatchObject({ uuid: await vdiDriver.identity(base), resolvedPath: base });
    expect(d.blockStates()).toEqual(['parent', 'allocated', 'parent', 'zero', 'parent']);
    expect(await vdiDriver.linkedParent!(child)).toBe(await vdiDriver.identity(base));
    expect((await checkImage(child)).problems).toEqual([]);
    const info = await cli('info', child);
    expect(info.stdout).toMatch(/Format:\s+VDI 1\.1, differencing .*\(VirtualBox type diff\)/);
    expect(info.stdout).toContain(`Parent:                   ${base}`);
    expect(info.stdout).toContain('Chain (child first):');
  });

  it('a snapshot in Snapshots/ finds the base disk in the machine folder above', async () => {
    const dir = await tempDir();
    const { child, expected } = await chain(dir, join(dir, 'Snapshots'));
    expect((await hashImage(child)).sha256).toBe(sha256(expected));
  });

  it('a missing parent names its UUID and the folder looked in', async () => {
    const dir = await tempDir();
    const { base, child } = await chain(dir);
    await rename(base, join(dir, 'base.moved'));
    const error = await hashImage(child).catch((e: unknown) => e);
    expect(isPlatterError(error, 'VHD_PARENT_NOT_FOUND')).toBe(true);
    const uuid = await vdiDriver.identity(join(dir, 'base.moved'));
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect((error as Error).message).toContain(`UUID ${uuid}`);
    expect((error as Error).message).toContain(`in ${dir}`);
    const d = await vdiDriver.describe!(child);
    expect(d.parent?.resolvedPath).toBeNull();
    expect(d.parentError?.code).toBe('VHD_PARENT_NOT_FOUND');
    expect((await checkImage(child)).problems.map((p) => p.code)).toEqual(['VHD_PARENT_NOT_FOUND']);
  });

  it('compact refuses a child (a snapshot is merged by VirtualBox), changing nothing', async () => {
    const dir = await tempDir();
    const { child } = await chain(dir);
    const before = await readFile(child);
    const error = await compactImage({ path: child }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toContain('differencing VDI');
    expect((await readFile(child)).equals(before)).toBe(true);
  });

  it('a parent changed since the child was made: a warning, the child still reads', async () => {
    const dir = await tempDir();
    const { base, child, expected } = await chain(dir);
    const bytes = await readFile(base);
    writeGuid(bytes, 0x198, randomUUID());
    await writeFile(base, bytes);
    expect((await checkImage(child)).problems).toEqual([expect.objectContaining({ code: 'VDI_PARENT_CHANGED' })]);
    expect((await vdiDriver.describe!(child)).warnings.join()).toContain('was changed after this child was made');
    expect((await hashImage(child)).sha256).toBe(sha256(expected));
  });
});

describe('a VDI 0.2 header (VirtualBox before 1.4)', () => {
  it('reads: the block map right after the 348-byte header, the data right after the map', async () => {
    const a = seededBytes('old-a', MiB);
    const c = seededBytes('old-c', MiB);
    const head = Buffer.alloc(420);
    head.write('<<< innotek VirtualBox Disk Image >>>\n', 0, 'latin1');
    head.writeUInt32LE(0xbeda107f, 0x40);
    head.writeUInt32LE(0x00000002, 0x44);
    head.writeUInt32LE(1, 0x48); // normal (dynamic)
    head.write('an old disk', 0x50, 'utf8');
    head.writeUInt32LE(512, 0x15c);
    head.writeBigUInt64LE(BigInt(3 * MiB), 0x160);
    head.writeUInt32LE(MiB, 0x168);
    head.writeUInt32LE(3, 0x16c);
    head.writeUInt32LE(2, 0x170);
    writeGuid(head, 0x174, randomUUID());
    writeGuid(head, 0x184, randomUUID());
    const map = Buffer.alloc(12);
    [1, 0xffffffff, 0].forEach((entry, i) => map.writeUInt32LE(entry, i * 4));
    const path = join(await tempDir(), 'old.vdi');
    await writeFile(path, Buffer.concat([head, map, c, a]));
    expect((await hashImage(path)).sha256).toBe(sha256(Buffer.concat([a, Buffer.alloc(MiB), c])));
    expect((await checkImage(path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    const d = await vdiDriver.describe!(path);
    expect(d.info).toMatchObject({ version: '0.2', headerSize: null, comment: 'an old disk', allocatedBlocks: 2 });
  });
});
