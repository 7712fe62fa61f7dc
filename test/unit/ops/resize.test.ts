// Resize: grown disks read the old content then zeros at the size qemu-img reports; shrinking an empty tail works;
// shrinking over data is refused and changes nothing; an interrupted fixed resize rolls back.
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { checkImage } from '../../../electron/engine/ops/check';
import { journalPathFor } from '../../../electron/engine/io/pending-journal';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuVirtualSize, tools, vhdiMediaSize } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A VHD of 8 MiB holding data in its first 5 MiB, and the raw it came from. */
async function disk(type: 'fixed' | 'dynamic', blockSize?: number) {
  const dir = await tempDir();
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 8 * MiB, [[0, 5 * MiB]]);
  const path = join(dir, 'disk.vhd');
  await convertImage({ input: raw, output: path, type, ...(blockSize && { blockSize }) });
  return { dir, raw, path };
}

/** SHA-256 of `raw` grown (with zeros) or cut to `size`. */
async function expectedHash(dir: string, raw: string, size: number): Promise<string> {
  const copy = join(dir, `expected-${size}.img`);
  await writeFile(copy, await readFile(raw));
  await truncate(copy, size);
  return sha256File(copy);
}

// 8 MiB grown to 200 MiB with 2 MiB blocks needs 100 BAT entries: the 512-byte table holds 128, so in place.
// Grown to 1 GiB with 512 KiB blocks it needs 2048: the file is written anew.
const cases = [
  ['fixed', 'fixed', undefined, 1024 * MiB, 'in place'],
  ['dynamic, BAT with room', 'dynamic', 2 * MiB, 200 * MiB, 'in place'],
  ['dynamic, BAT rewritten', 'dynamic', 512 * 1024, 1024 * MiB, 'rewritten'],
] as const;

describe('resize', () => {
  it.each(cases)('%s: grows, reading the old content then zeros', async (_name, type, blockSize, size, method) => {
    const { dir, raw, path } = await disk(type, blockSize);
    const uuid = (await inspectImage(path)).uuid;
    expect((await resizeImage({ path, size })).method).toBe(method);
    const info = await inspectImage(path);
    expect(info.virtualSize).toBe(size);
    expect(info.uuid).toBe(uuid);
    expect((await hashImage(path)).sha256).toBe(await expectedHash(dir, raw, size));
    expect((await checkImage(path)).problems).toEqual([]);
    if (tools.qemuImg) expect(await qemuVirtualSize(path)).toBe(size);
    if (tools.vhdiinfo) expect(await vhdiMediaSize(path)).toBe(size);
  });

  it.each(cases)('%s: shrinks an empty tail', async (_name, type, blockSize) => {
    const { dir, raw, path } = await disk(type, blockSize);
    await resizeImage({ path, size: 5 * MiB + 512 * 3 });
    expect((await inspectImage(path)).virtualSize).toBe(5 * MiB + 1536);
    expect((await hashImage(path)).sha256).toBe(await expectedHash(dir, raw, 5 * MiB + 1536));
    expect((await checkImage(path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    if (tools.qemuImg) expect(await qemuVirtualSize(path)).toBe(5 * MiB + 1536);
    if (tools.vhdiinfo) expect(await vhdiMediaSize(path)).toBe(5 * MiB + 1536);
  });

  it.each(cases)('%s: refuses to shrink over data, leaving the file byte for byte', async (_name, type, blockSize) => {
    const { path } = await disk(type, blockSize);
    const before = await sha256File(path);
    const error = await resizeImage({ path, size: 4 * MiB }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'SHRINK_LOSES_DATA')).toBe(true);
    expect((error as Error).message).toContain(String(4 * MiB));
    expect(await sha256File(path)).toBe(before);
  });

  it('a differencing child grows over its parent and reads zeros past the parent end', async () => {
    const { dir, raw, path } = await disk('dynamic');
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: path });
    await resizeImage({ path: child, size: 12 * MiB });
    expect((await hashImage(child)).sha256).toBe(await expectedHash(dir, raw, 12 * MiB));
  });

  it('an interrupted fixed resize is rolled back by the next open of the image', async () => {
    const { raw, path } = await disk('fixed');
    const before = await sha256File(path);
    // What a kill right after the footer moved leaves: the journal, and the file cut to its new length.
    const { beginUndo } = await import('../../../electron/engine/io/undo-journal');
    const { RandomAccessFile } = await import('../../../electron/engine/io/random-access-file');
    const file = await RandomAccessFile.open(path, 'r+');
    await beginUndo(file, 'resize', [[8 * MiB, 512]]);
    await file.truncate(6 * MiB);
    await file.close();
    // The next open of the image, whatever reads it, rolls the change back first.
    expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
    expect(await sha256File(path)).toBe(before);
    await expect(stat(journalPathFor(path))).rejects.toThrow();
    expect((await resizeImage({ path, size: 8 * MiB })).method).toBe('unchanged');
  });
});
