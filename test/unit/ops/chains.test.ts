// Differencing chains: delta children from modified raws, read back by Platter and libvhdi; moved parents,
// set-parent, merge; depth and cycles.
import { copyFile, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { describeChain } from '../../../electron/engine/ops/chain';
import { convertImage } from '../../../electron/engine/ops/convert';
import { convertToChild } from '../../../electron/engine/ops/convert-delta';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { setParent } from '../../../electron/engine/ops/set-parent';
import { seededBytes, sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiHash, run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const SIZE = 16 * MiB;

/** base.img (random data in places), base.vhd made from it, and mod.img: a copy edited by `edit`. */
async function scenario(edit: (bytes: Buffer) => void) {
  const dir = await tempDir();
  const baseRaw = join(dir, 'base.img');
  await writeRaw(baseRaw, SIZE, [
    [0, 3 * MiB],
    [7 * MiB, 2 * MiB],
    [SIZE - MiB, MiB],
  ]);
  const base = join(dir, 'base.vhd');
  await convertImage({ input: baseRaw, output: base });
  const bytes = await readFile(baseRaw);
  edit(bytes);
  const modRaw = join(dir, 'mod.img');
  await writeFile(modRaw, bytes);
  return { dir, base, baseRaw, modRaw, modHash: await sha256File(modRaw) };
}

const edits: [string, (b: Buffer) => void, number][] = [
  ['a few bytes', (b) => void b.write('HELLO', 1000), 1],
  ['a whole new block', (b) => void seededBytes('new', 2 * MiB).copy(b, 10 * MiB), 1],
  ['the last block', (b) => void b.write('END!', SIZE - 4), 1],
  ['scattered edits', (b) => [0, 5 * MiB + 7, 12 * MiB + 4095].forEach((o, i) => void b.write(`edit${i}`, o)), 3],
];

describe('delta children from modified raws', () => {
  it.each(edits)('%s: small, exact through Platter and libvhdi', async (_name, edit, blocks) => {
    const { dir, base, modRaw, modHash } = await scenario(edit);
    const child = join(dir, 'child.vhd');
    const result = await convertToChild({ input: modRaw, output: child, parent: base, verify: true });
    expect(result.changedBlocks).toBe(blocks);
    expect(result.verifiedSha256).toBe(modHash);
    expect((await stat(child)).blocks * 512).toBeLessThanOrEqual(blocks * 2 * MiB + 64 * 1024);
    expect((await hashImage(child)).sha256).toBe(modHash);
    if (tools.pyvhdi) expect(await pyvhdiHash(child, base)).toBe(modHash);
    const info = await inspectImage(child);
    expect(info.diskType).toBe('differencing');
    expect(info.allocatedBlocks).toBe(blocks);
    expect((await describeChain(child)).levels.map((l) => l.path)).toEqual([child, base]);
  });

  it('an unchanged copy gives a child with no block at all', async () => {
    const { dir, base, baseRaw } = await scenario(() => undefined);
    const child = join(dir, 'child.vhd');
    expect((await convertToChild({ input: baseRaw, output: child, parent: base })).changedBlocks).toBe(0);
  });

  it('refuses a source of another size', async () => {
    const { dir, base } = await scenario(() => undefined);
    const other = join(dir, 'other.img');
    await writeRaw(other, SIZE + MiB, []);
    const error = await convertToChild({ input: other, output: join(dir, 'c.vhd'), parent: base }).catch(
      (e: unknown) => e,
    );
    expect(isPlatterError(error, 'BAD_SIZE')).toBe(true);
  });
});

describe('moving parents', () => {
  it('a moved parent is VHD_PARENT_NOT_FOUND naming it; set-parent fixes it; an unrelated disk is refused', async () => {
    const { dir, base, modRaw, modHash } = await scenario((b) => void b.write('HELLO', 4096));
    const child = join(dir, 'child.vhd');
    await convertToChild({ input: modRaw, output: child, parent: base });
    await mkdir(join(dir, 'moved'));
    const moved = join(dir, 'moved', 'renamed.vhd');
    await rename(base, moved);
    const error = await hashImage(child).catch((e: unknown) => e);
    expect(isPlatterError(error, 'VHD_PARENT_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('base.vhd');
    const unrelated = join(dir, 'unrelated.vhd');
    await createImage({ path: unrelated, size: SIZE });
    const refused = await setParent({ child, parent: unrelated }).catch((e: unknown) => e);
    expect(isPlatterError(refused, 'VHD_PARENT_MISMATCH')).toBe(true);
    expect((refused as Error).message).toMatch(/UUID/);
    const before = await readFile(child);
    await expect(setParent({ child, parent: child })).rejects.toThrow(/the child itself/);
    expect(Buffer.compare(await readFile(child), before)).toBe(0);
    await setParent({ child, parent: moved });
    expect((await hashImage(child)).sha256).toBe(modHash);
    if (tools.pyvhdi) expect(await pyvhdiHash(child, moved)).toBe(modHash);
    const info = await inspectImage(child);
    expect(info.parent?.resolvedPath).toBe(moved);
    expect(info.parent?.locators.find((l) => l.platform === 'W2ru')?.path).toBe('.\\moved\\renamed.vhd');
  });
});

describe('merge', () => {
  it('leaves the parent equal to the modified raw and removes the child', async () => {
    const { dir, base, modRaw, modHash } = await scenario((b) => {
      b.write('HELLO', 1000);
      seededBytes('new', 2 * MiB).copy(b, 10 * MiB); // an unallocated block of the parent
    });
    const child = join(dir, 'child.vhd');
    await convertToChild({ input: modRaw, output: child, parent: base });
    const result = await mergeImage({ child });
    expect(result.childRemoved).toBe(true);
    await expect(stat(child)).rejects.toThrow();
    expect((await hashImage(base)).sha256).toBe(modHash);
    if (tools.qemuImg)
      expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', modRaw, base])).toContain('identical');
    if (tools.pyvhdi) expect(await pyvhdiHash(base)).toBe(modHash);
  });

  it('into a differencing parent, keeping the child', async () => {
    const { dir, base, modRaw, modHash } = await scenario((b) => void b.write('CHANGED', 9 * MiB));
    const middle = join(dir, 'middle.vhd');
    await createImage({ path: middle, parent: base });
    const child = join(dir, 'child.vhd');
    await convertToChild({ input: modRaw, output: child, parent: middle });
    const result = await mergeImage({ child, keepChild: true });
    expect(result).toMatchObject({ childRemoved: false, warnings: [] });
    expect((await hashImage(middle)).sha256).toBe(modHash);
    expect((await hashImage(child)).sha256).toBe(modHash);
    if (tools.pyvhdi) expect(await pyvhdiHash(middle, base)).toBe(modHash);
  });

  it('refuses, changing nothing, while the parent has other children: in other VM folders or beside it', async () => {
    const { dir, base, modRaw, modHash } = await scenario((b) => void b.write('CHANGED', 9 * MiB));
    for (const folder of ['vm1', 'vm2']) await mkdir(join(dir, folder));
    const child = join(dir, 'vm1', 'c1.vhd');
    await convertToChild({ input: modRaw, output: child, parent: base });
    const inVm2 = join(dir, 'vm2', 'c2.vhd');
    const beside = join(dir, 'c3.vhd');
    for (const other of [inVm2, beside]) await createImage({ path: other, parent: base });
    const before = await sha256File(base);
    for (const others of [[inVm2, beside], [inVm2]]) {
      const error = await mergeImage({ child }).catch((e: unknown) => e);
      expect(isPlatterError(error, 'BAD_ARGUMENT'), String(error)).toBe(true);
      for (const other of others) expect((error as Error).message).toContain(other);
      expect(await sha256File(base)).toBe(before);
      expect((await stat(child)).isFile()).toBe(true);
      await unlink(others[others.length - 1]!);
    }
    expect((await mergeImage({ child })).childRemoved).toBe(true);
    expect((await hashImage(base)).sha256).toBe(modHash);
  });

  it('refuses to remove a child that is itself a parent', async () => {
    const { dir, base } = await scenario(() => undefined);
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: base });
    await createImage({ path: join(dir, 'grandchild.vhd'), parent: child });
    const error = await mergeImage({ child }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'BAD_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('grandchild.vhd');
    expect((error as { remedy: string }).remedy).toContain('--keep-child');
    expect((await stat(child)).isFile()).toBe(true);
  });
});

describe('chains and cycles', () => {
  it('a chain of depth 3 reads right, through Platter and libvhdi', async () => {
    const { dir, base, baseRaw } = await scenario(() => undefined);
    const raws = [baseRaw];
    const disks = [base];
    for (let level = 1; level <= 3; level++) {
      const bytes = await readFile(raws[level - 1]!);
      bytes.write(`level ${level}`, level * 3 * MiB + 100);
      const raw = join(dir, `l${level}.img`);
      await writeFile(raw, bytes);
      const disk = join(dir, `l${level}.vhd`);
      await convertToChild({ input: raw, output: disk, parent: disks[level - 1]! });
      raws.push(raw);
      disks.push(disk);
    }
    const top = disks[3]!;
    const expected = await sha256File(raws[3]!);
    expect((await hashImage(top)).sha256).toBe(expected);
    if (tools.pyvhdi) expect(await pyvhdiHash(top, disks[2]!, disks[1]!, base)).toBe(expected);
    expect((await describeChain(top)).levels).toHaveLength(4);
  });

  it('a child pointing at itself or at its own descendant is an error, not a hang', async () => {
    const { dir, base } = await scenario(() => undefined);
    const a = join(dir, 'a.vhd');
    const b = join(dir, 'b.vhd');
    await createImage({ path: a, parent: base });
    await createImage({ path: b, parent: a });
    // Make a's parent record name b, and give b the UUID a expects: a -> b -> a.
    const aInfo = await inspectImage(a);
    const bytes = await readFile(b);
    const uuidHex = aInfo.parent!.uuid.replace(/-/g, '');
    Buffer.from(uuidHex, 'hex').copy(bytes, bytes.length - 512 + 68);
    Buffer.from(uuidHex, 'hex').copy(bytes, 68);
    const fixChecksum = (footer: Buffer) => {
      footer.writeUInt32BE(0, 64);
      let sum = 0;
      for (const byte of footer) sum += byte;
      footer.writeUInt32BE(~sum >>> 0, 64);
    };
    fixChecksum(bytes.subarray(bytes.length - 512));
    fixChecksum(bytes.subarray(0, 512));
    await writeFile(b, bytes);
    await rename(base, join(dir, 'gone.vhd'));
    await copyFile(b, join(dir, 'base.vhd'));
    const error = await hashImage(a).catch((e: unknown) => e);
    expect(isPlatterError(error)).toBe(true);
    expect(['VHD_PARENT_CYCLE', 'VHD_CHAIN_TOO_DEEP']).toContain((error as { code: string }).code);
    expect((await describeChain(a)).broken).not.toBeNull();
  });
});
