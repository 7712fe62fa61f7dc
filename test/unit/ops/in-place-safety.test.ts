// In-place changes that once lost data: a fixed shrink whose roll-back left the new footer inside the disk, a shrink
// of a disk whose header declares more table entries than it uses, an interrupted dynamic resize whose two footer
// copies disagreed, a merge that changed other children of the parent, and the messages such failures give.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDynamicHeader, serializeDynamicHeader } from '../../../electron/engine/formats/vhd/dynamic-header';
import { journalPathFor } from '../../../electron/engine/io/pending-journal';
import { isPlatterError } from '../../../electron/engine/errors';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { writeNewFile } from '../../../electron/engine/io/output-file';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { setParent } from '../../../electron/engine/ops/set-parent';
import { platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { contentWith, expectPeersRead, patch, readBytes } from '../check/damage';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A VHD of `size` bytes with seeded data in its first `data` bytes, and the raw it came from. */
async function disk(dir: string, type: 'fixed' | 'dynamic', size: number, data: number) {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, size, [[0, data]]);
  const path = join(dir, 'disk.vhd');
  await convertImage({ input: raw, output: path, type });
  return { raw, path };
}

/** Runs `platter` killed right after its `writes`th write or truncate; true when it was killed. */
async function killedAfter(writes: number, ...args: string[]): Promise<boolean> {
  const previous = process.env.PLATTER_TEST_KILL_AFTER_WRITES;
  process.env.PLATTER_TEST_KILL_AFTER_WRITES = String(writes);
  try {
    return (await platter(...args)).code !== 0;
  } finally {
    if (previous === undefined) delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
    else process.env.PLATTER_TEST_KILL_AFTER_WRITES = previous;
  }
}

describe('in-place changes leave the old image or the new one', () => {
  it.each([1, 2, 3, 4])(
    'a fixed shrink killed after write %i reads byte for byte as before once opened again',
    async (writes) => {
      const dir = await tempDir();
      const { raw, path } = await disk(dir, 'fixed', 8 * MiB, 3 * MiB);
      const before = await readFile(path);
      if (!(await killedAfter(writes, 'resize', path, '4M', '--quiet'))) return;
      // Any open rolls the change back first; then every reader sees the old disk, with no footer inside it.
      expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
      expect(Buffer.compare(await readFile(path), before)).toBe(0);
      await expectPeersRead(path, dir, await sha256File(raw), 8 * MiB);
    },
  );

  it.each([400, 0xffffffff])(
    'shrinking a disk whose header declares %i table entries for its 2 keeps every block it keeps',
    async (declared) => {
      const dir = await tempDir();
      const { raw, path } = await disk(dir, 'dynamic', 4 * MiB, 2 * MiB);
      const { header } = parseDynamicHeader(await readBytes(path, 512, 1024));
      // The used entries fill a sector of table; block 0 follows it: 400 entries would run into its data.
      await patch(path, 512, serializeDynamicHeader({ ...header, maxTableEntries: declared }));
      expect((await checkImage(path)).problems.map((p) => p.code)).toContain('VHD_BAT_LENGTH');
      await resizeImage({ path, size: 2 * MiB });
      expect((await checkImage(path)).problems).toEqual([]);
      const cut = join(dir, 'cut.img');
      await writeFile(cut, await readFile(raw));
      await truncate(cut, 2 * MiB);
      expect((await hashImage(path)).sha256).toBe(await sha256File(cut));
      await expectPeersRead(path, dir, await sha256File(cut), 2 * MiB);
    },
  );

  it.each([1, 2, 3, 4, 5])(
    'a dynamic grow killed after write %i: every reader agrees on the old size once opened again',
    async (writes) => {
      const dir = await tempDir();
      const { raw, path } = await disk(dir, 'dynamic', 8 * MiB, 3 * MiB);
      if (!(await killedAfter(writes, 'resize', path, '16M', '--quiet'))) return;
      expect((await hashImage(path)).virtualSize).toBe(8 * MiB);
      await expect(stat(journalPathFor(path))).rejects.toThrow();
      await expectPeersRead(path, dir, await contentWith(raw), 8 * MiB);
      // The same resize, run again, now does what it was asked.
      expect((await resizeImage({ path, size: 16 * MiB })).method).toBe('in place');
      await expectPeersRead(path, dir, await grown(dir, raw, 16 * MiB), 16 * MiB);
    },
  );
});

async function grown(dir: string, raw: string, size: number): Promise<string> {
  const copy = join(dir, `grown-${size}.img`);
  await writeFile(copy, await readFile(raw));
  await truncate(copy, size);
  return sha256File(copy);
}

describe('leftovers of a kill', () => {
  it('a journal a killed change left half-written is removed by the next journaled change of the image', async () => {
    const dir = await tempDir();
    const { path: base } = await disk(dir, 'dynamic', 4 * MiB, MiB);
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: base });
    // What a kill while the journal was being written leaves (its process gone: no PID is that high on Linux).
    const stale = join(dir, '..child.vhd.platter-undo.platter-99999999-0badf00d.tmp');
    await writeFile(stale, '{"version":1');
    await setParent({ child, parent: base });
    await expect(stat(stale)).rejects.toThrow();
    await expect(stat(journalPathFor(child))).rejects.toThrow();
  });
});

describe('messages', () => {
  it('a path longer than the system allows says so', async () => {
    const dir = await tempDir();
    const long = join(dir, `${'x'.repeat(30_000)}.vhd`);
    const result = await platter('create', long, '--size', '1M');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^platter: the path .* is longer than the file system allows - /);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr.length).toBeLessThan(400);
  });

  it('a destination folder removed while the output is written is named as removed', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'out');
    await mkdir(folder);
    const error = await writeNewFile(join(folder, 'new.vhd'), undefined, async (file) => {
      await file.write(new Uint8Array(4096), 0);
      await rm(folder, { recursive: true });
    }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'NOT_FOUND'), String(error)).toBe(true);
    expect((error as Error).message).toBe(`the folder ${folder} was removed while new.vhd was being written into it`);
  });

  it.runIf(chattrWorks())('a merge whose child cannot be removed says it is complete and what to do', async () => {
    const dir = await tempDir();
    const { path: base } = await disk(dir, 'dynamic', 4 * MiB, MiB);
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: base });
    execFileSync('chattr', ['+i', child]);
    try {
      const result = await platter('merge', child, '--quiet');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^platter: warning: the merge is complete, but .*child\.vhd could not be removed/);
      expect(result.stderr).toContain('remove it yourself');
      expect(result.stdout).toContain('the child was not removed (see the warning)');
    } finally {
      execFileSync('chattr', ['-i', child]);
    }
  });
});

function chattrWorks(): boolean {
  try {
    execFileSync('sh', ['-c', 'f=$(mktemp) && chattr +i "$f" && chattr -i "$f" && rm "$f"'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
