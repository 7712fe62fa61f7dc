// Compact drops blocks the guest zeroed, keeps content and identity, and children of a compacted parent still read.
import { link, lstat, mkdir, open, readFile, readlink, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { checkImage } from '../../../electron/engine/ops/check';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuDynamicVhd, run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A qemu-made dynamic VHD with 6 blocks written, then blocks 1 and 4 zeroed by the guest. */
async function zeroedImage(dir: string): Promise<string> {
  const path = join(dir, 'disk.vhd');
  await qemuDynamicVhd(path, 16 * MiB);
  for (let block = 0; block < 6; block++)
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P ${0x41 + block} ${block * 2 * MiB} ${2 * MiB}`, path]);
  for (const block of [1, 4])
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P 0 ${block * 2 * MiB} ${2 * MiB}`, path]);
  return path;
}

describe.skipIf(!tools.qemuImg || !tools.qemuIo)('compact', () => {
  it('in place: drops the zeroed blocks, shrinks the file, keeps the content and the UUID', async () => {
    const path = await zeroedImage(await tempDir());
    const before = await inspectImage(path);
    const hash = (await hashImage(path)).sha256;
    expect(before.allocatedBlocks).toBe(6);
    const result = await compactImage({ path });
    expect(result.blocksBefore).toBe(6);
    expect(result.blocksAfter).toBe(4);
    expect(result.reclaimedBytes).toBeGreaterThanOrEqual(2 * 2 * MiB);
    expect((await stat(path)).size).toBe(result.sizeAfter);
    const after = await inspectImage(path);
    expect(after.uuid).toBe(before.uuid);
    expect(after.virtualSize).toBe(before.virtualSize);
    expect(after.allocatedBlocks).toBe(4);
    expect((await hashImage(path)).sha256).toBe(hash);
    expect((await checkImage(path)).problems).toEqual([]);
    expect(await run('qemu-img', ['check', '-f', 'vpc', path]).catch((e: Error) => e.message)).not.toMatch(/error/i);
  });

  it('in place through a symbolic link: the file it points at is compacted, and the link stays a link', async () => {
    const dir = await tempDir();
    const path = await zeroedImage(dir);
    const hash = (await hashImage(path)).sha256;
    await mkdir(join(dir, 'links'));
    const link = join(dir, 'links', 'disk-link.vhd');
    await symlink(path, link);
    const result = await compactImage({ path: link });
    expect(result.blocksAfter).toBe(4);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(path);
    expect((await stat(path)).size).toBe(result.sizeAfter);
    expect((await hashImage(path)).sha256).toBe(hash);
  });

  it('in place on a file with two names (hard links): refused, nothing changed', async () => {
    const dir = await tempDir();
    const path = await zeroedImage(dir);
    await link(path, join(dir, 'other-name.vhd'));
    const before = await readFile(path);
    const err = await compactImage({ path }).catch((e: unknown) => e);
    expect(isPlatterError(err) && err.code).toBe('UNSUPPORTED');
    expect((err as Error).message).toContain('2 names (hard links)');
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await stat(path)).nlink).toBe(2);
  });

  it('a dry run predicts exactly what compacting gives, and writes nothing', async () => {
    const dir = await tempDir();
    const path = await zeroedImage(dir);
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: path });
    const before = await readFile(path);
    const estimate = await compactImage({ path, dryRun: true });
    expect(estimate.dryRun).toBe(true);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    const done = await compactImage({ path });
    expect([estimate.blocksAfter, estimate.sizeAfter, estimate.reclaimedBytes]).toEqual([
      done.blocksAfter,
      done.sizeAfter,
      done.reclaimedBytes,
    ]);
    // A child's locators count too.
    const childEstimate = await compactImage({ path: child, dryRun: true });
    expect(childEstimate.sizeAfter).toBe((await compactImage({ path: child })).sizeAfter);
  });

  it('--output leaves the original untouched', async () => {
    const dir = await tempDir();
    const path = await zeroedImage(dir);
    const size = (await stat(path)).size;
    const out = join(dir, 'small.vhd');
    await compactImage({ path, output: out });
    expect((await stat(path)).size).toBe(size);
    expect((await hashImage(out)).sha256).toBe((await hashImage(path)).sha256);
  });

  it('blocks whose bitmaps mark only some sectors read the same after, whatever the unmarked bytes hold', async () => {
    const path = join(await tempDir(), 'disk.vhd');
    await qemuDynamicVhd(path, 8 * MiB);
    for (let block = 0; block < 3; block++)
      await run('qemu-io', ['-f', 'vpc', '-c', `write -P ${0x61 + block} ${block * 2 * MiB} ${2 * MiB}`, path]);
    // Block 0 marks its first half only; block 1 marks nothing, so it reads as zeros though its bytes are not.
    const file = await open(path, 'r+');
    try {
      const bat = Buffer.alloc(12);
      await file.read(bat, 0, 12, 1536); // qemu-img puts the BAT right after the header
      await file.write(Buffer.alloc(512).fill(0xff, 0, 256), 0, 512, bat.readUInt32BE(0) * 512);
      await file.write(Buffer.alloc(512), 0, 512, bat.readUInt32BE(4) * 512);
    } finally {
      await file.close();
    }
    const hash = (await hashImage(path)).sha256;
    const result = await compactImage({ path });
    expect([result.blocksBefore, result.blocksAfter]).toEqual([3, 2]);
    expect((await hashImage(path)).sha256).toBe(hash);
    expect((await checkImage(path)).problems).toEqual([]);
  });

  it('children of a compacted parent still find it and read right', async () => {
    const dir = await tempDir();
    const parent = await zeroedImage(dir);
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent });
    const hash = (await hashImage(child)).sha256;
    await compactImage({ path: parent });
    expect((await inspectImage(child)).parent?.resolvedPath).toBe(parent);
    expect((await hashImage(child)).sha256).toBe(hash);
  });
});

describe('compact refuses what it cannot do', () => {
  it('a fixed disk: explains that it needs a conversion to dynamic', async () => {
    const dir = await tempDir();
    const path = join(dir, 'fixed.vhd');
    await createImage({ path, size: MiB, type: 'fixed' });
    const error = await compactImage({ path }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'NOT_COMPACTABLE')).toBe(true);
    expect((error as Error & { remedy: string }).remedy).toContain('convert');
  });

  it('a raw file is not a VHD', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await convertImage({
      input: await (async () => {
        const p = join(dir, 'src.vhd');
        await createImage({ path: p, size: MiB });
        return p;
      })(),
      output: raw,
    });
    expect(isPlatterError(await compactImage({ path: raw }).catch((e: unknown) => e), 'UNSUPPORTED')).toBe(true);
  });
});
