// Differencing VHDX children Platter writes (create --parent, convert --parent), read by libvhdi (vhdiinfo and a
// chain read through pyvhdi) and by Platter alike: an empty child reads as its parent, a delta child as the modified
// disk it was made from; 512- and 4096-byte sectors, 1, 2 and 32 MiB blocks. qemu-img 7.2 opens no differencing
// VHDX ("Operation not supported"), which is what it says of these too.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage } from '../../electron/engine/image/open-image';
import { VhdxImage } from '../../electron/engine/formats/vhdx/vhdx-image';
import { checkImage } from '../../electron/engine/ops/check';
import { convertImage } from '../../electron/engine/ops/convert';
import { convertToChild } from '../../electron/engine/ops/convert-delta';
import { createImage } from '../../electron/engine/ops/create';
import { hashImage } from '../../electron/engine/ops/hash';
import { cli } from '../helpers/cli';
import { seededBytes, sha256File, writeRaw } from '../helpers/data';
import { copyFixture, fixturesAvailable } from '../helpers/fixtures';
import { useTempDirs } from '../helpers/temp-dir';
import { pyvhdiChainHash, runStatus, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A dynamic VHDX parent made from a raw disk with data at the start, across a block boundary and at the end. */
async function parentVhdx(dir: string, size: number, blockSize: number, sector: 512 | 4096) {
  const raw = join(dir, 'base.img');
  await writeRaw(raw, size, [
    [0, 300 * 1024],
    [blockSize - 8192, 16384],
    [size - 2 * blockSize, 8192],
    [size - 4096, 4096],
  ]);
  const path = join(dir, 'base.vhdx');
  await convertImage({ input: raw, output: path, blockSize, logicalSectorSize: sector });
  return { raw, path };
}

async function structureOf(path: string) {
  const image = await openImage(path);
  try {
    expect(image).toBeInstanceOf(VhdxImage);
    const vhdx = image as VhdxImage;
    return { structure: vhdx.structure, states: vhdx.blockStates() };
  } finally {
    await image.close();
  }
}

async function dataWriteGuid(path: string): Promise<string> {
  return (await structureOf(path)).structure.header.dataWriteGuid;
}

/** What libvhdi's vhdiinfo says of a child: differential, made from `parent`, recorded at `parentPath`. */
async function expectVhdiinfoChild(child: string, parent: string, parentPath: string, sector: number) {
  const { stdout } = await runStatus('vhdiinfo', [child]);
  expect(stdout).toMatch(/Disk type\s*: Differential/);
  expect(stdout).toMatch(new RegExp(`Parent identifier\\s*: ${await dataWriteGuid(parent)}`));
  expect(stdout).toContain(`Parent filename\t\t: ${parentPath}`);
  expect(stdout).toMatch(new RegExp(`Bytes per sector\\s*: ${sector} bytes`));
}

/** Platter's check is clean, on the command line too. */
async function expectClean(child: string) {
  expect((await checkImage(child)).problems).toEqual([]);
  expect(await cli('check', child)).toMatchObject({ code: 0, stdout: `${child}: no problems found\n` });
}

const cases = [
  { sector: 512, blockSize: MiB, size: 9 * MiB + 512 },
  { sector: 512, blockSize: 2 * MiB, size: 20 * MiB },
  { sector: 512, blockSize: 32 * MiB, size: 80 * MiB },
  { sector: 4096, blockSize: MiB, size: 12 * MiB + 4096 },
  { sector: 4096, blockSize: 2 * MiB, size: 16 * MiB },
  { sector: 4096, blockSize: 32 * MiB, size: 70 * MiB },
] as const;

describe.skipIf(!tools.pyvhdi || !tools.vhdiinfo || !tools.qemuImg)('empty VHDX children', () => {
  it.each(cases.map((c) => [`${c.sector}-byte sectors, ${c.blockSize / MiB} MiB blocks`, c] as const))(
    'of a VHDX Platter made, %s: read as the parent by Platter and libvhdi',
    async (_name, c) => {
      const dir = await tempDir();
      const parent = await parentVhdx(dir, c.size, c.blockSize, c.sector);
      const child = join(dir, 'child.vhdx');
      const result = await createImage({ path: child, parent: parent.path });
      expect(result).toMatchObject({
        format: 'vhdx',
        diskType: 'differencing',
        virtualSize: c.size,
        blockSize: c.blockSize,
      });
      const { structure, states } = await structureOf(child);
      expect(structure.metadata).toMatchObject({
        hasParent: true,
        logicalSectorSize: c.sector,
        blockSize: c.blockSize,
      });
      expect(structure.metadata.parentLocator).toMatchObject({
        parentLinkage: await dataWriteGuid(parent.path),
        relativePath: '.\\base.vhdx',
        absoluteWin32Path: parent.path,
      });
      expect(structure.metadata.parentLocator?.entries.parent_linkage).toBe(`{${await dataWriteGuid(parent.path)}}`);
      expect(structure.header.dataWriteGuid).toBe(result.uuid);
      expect(states.every((s) => s === 'parent')).toBe(true);
      const content = await sha256File(parent.raw);
      expect((await hashImage(child)).sha256).toBe(content);
      expect(await pyvhdiChainHash(child)).toBe(content);
      await expectVhdiinfoChild(child, parent.path, parent.path, c.sector);
      await expectClean(child);
      // The file holds no block: the headers, log, metadata, BAT and a zeroed bitmap per chunk, as holes.
      expect((await stat(child)).blocks * 512).toBeLessThanOrEqual(4 * MiB);
    },
  );

  it.runIf(fixturesAvailable)('of a Hyper-V dynamic VHDX (fixture), made on the command line', async () => {
    const dir = await tempDir();
    const base = await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
    const child = join(dir, 'child.vhdx');
    const made = await cli('create', child, '--parent', base, '--json');
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ format: 'vhdx', diskType: 'differencing', blockSize: 32 * MiB });
    const content = (await hashImage(base)).sha256;
    expect((await hashImage(child)).sha256).toBe(content);
    expect(await pyvhdiChainHash(child)).toBe(content);
    await expectVhdiinfoChild(child, base, base, 512);
    await expectClean(child);
    // qemu-img 7.2 opens no differencing VHDX: what it says of a Platter child is what it says of Hyper-V's.
    const qemu = await runStatus('qemu-img', ['check', '-f', 'vhdx', child]);
    expect(qemu.code).toBe(1);
    expect(qemu.stderr).toMatch(/Could not open .*: Operation not supported/);
  });

  it('a grandchild: a child of a child reads as the first parent', async () => {
    const dir = await tempDir();
    const parent = await parentVhdx(dir, 8 * MiB, MiB, 512);
    const child = join(dir, 'child.vhdx');
    const grandchild = join(dir, 'grandchild.vhdx');
    await createImage({ path: child, parent: parent.path });
    await createImage({ path: grandchild, parent: child });
    const content = await sha256File(parent.raw);
    expect((await hashImage(grandchild)).sha256).toBe(content);
    expect(await pyvhdiChainHash(grandchild)).toBe(content);
    await expectClean(grandchild);
  });
});

describe.skipIf(!tools.pyvhdi)('convert --parent to a VHDX child', () => {
  it.each(cases.map((c) => [`${c.sector}-byte sectors, ${c.blockSize / MiB} MiB blocks`, c] as const))(
    '%s: only the changed blocks, whole; Platter and libvhdi read the modified disk',
    async (_name, c) => {
      const dir = await tempDir();
      const parent = await parentVhdx(dir, c.size, c.blockSize, c.sector);
      const original = await readFile(parent.raw);
      const bytes = Buffer.from(original);
      bytes.write('HELLO', 1000); // in the parent's first block
      seededBytes('new', 8192).copy(bytes, Math.floor(c.size / 2 / 4096) * 4096); // in the middle
      bytes.fill(0, c.size - 4096); // the parent's last sector of data, zeroed
      const modified = join(dir, 'modified.img');
      await writeFile(modified, bytes);
      const content = await sha256File(modified);
      const child = join(dir, 'delta.vhdx');
      const result = await convertToChild({ input: modified, output: child, parent: parent.path, verify: true });
      const blocks = Math.ceil(c.size / c.blockSize);
      const changed = Array.from({ length: blocks }, (_, i) => i).filter(
        (i) =>
          !original
            .subarray(i * c.blockSize, (i + 1) * c.blockSize)
            .equals(bytes.subarray(i * c.blockSize, (i + 1) * c.blockSize)),
      );
      expect(changed.length).toBeGreaterThanOrEqual(2);
      expect(result).toMatchObject({
        changedBlocks: changed.length,
        totalBlocks: blocks,
        blockSize: c.blockSize,
        verifiedSha256: content,
      });
      const { states } = await structureOf(child);
      expect(states.flatMap((s, i) => (s === 'allocated' ? [i] : []))).toEqual(changed);
      expect(states.filter((s) => s !== 'allocated').every((s) => s === 'parent')).toBe(true);
      expect((await hashImage(child)).sha256).toBe(content);
      expect(await pyvhdiChainHash(child)).toBe(content);
      await expectClean(child);
    },
  );

  it.runIf(fixturesAvailable)(
    'of a Hyper-V dynamic VHDX (fixture): its raw copy, changed in its file system',
    async () => {
      const dir = await tempDir();
      const base = await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
      const raw = join(dir, 'copy.img');
      await convertImage({ input: base, output: raw });
      const bytes = await readFile(raw);
      bytes.write('changed by the guest', 3 * MiB + 512);
      await writeFile(raw, bytes);
      const child = join(dir, 'delta.vhdx');
      const result = await convertToChild({ input: raw, output: child, parent: base, verify: true });
      expect(result).toMatchObject({ changedBlocks: 1, totalBlocks: 1, verifiedSha256: await sha256File(raw) });
      expect(await pyvhdiChainHash(child)).toBe(await sha256File(raw));
      await expectClean(child);
    },
  );

  it('on the command line, with --verify and --block-size; an unchanged copy gives a child holding nothing', async () => {
    const dir = await tempDir();
    const parent = await parentVhdx(dir, 16 * MiB, 2 * MiB, 512);
    const bytes = await readFile(parent.raw);
    bytes.write('CHANGED', 5 * MiB + 17);
    const modified = join(dir, 'modified.img');
    await writeFile(modified, bytes);
    const child = join(dir, 'delta.vhdx');
    const out = await cli('convert', modified, child, '--parent', parent.path, '--block-size', '1M', '--verify', '-q');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('holding 1 of 16 blocks');
    expect(out.stdout).toContain(`Verified: the child read through its parent matches ${modified}`);
    expect((await structureOf(child)).structure.metadata.blockSize).toBe(MiB);
    expect(await pyvhdiChainHash(child)).toBe(await sha256File(modified));
    const same = join(dir, 'same.vhdx');
    expect((await convertToChild({ input: parent.raw, output: same, parent: parent.path })).changedBlocks).toBe(0);
    expect(await pyvhdiChainHash(same)).toBe(await sha256File(parent.raw));
    expect((await readdir(dir)).sort()).toEqual(['base.img', 'base.vhdx', 'delta.vhdx', 'modified.img', 'same.vhdx']);
  });
});
