// set-parent of a differencing VHDX: the parent locator rewritten through the log (in place when the new one fits,
// elsewhere in the metadata region when it does not), read again by Platter and libvhdi; a wrong parent refused with
// the file unchanged; a log a cut-short change left written in first; a Hyper-V child's locator kept but its paths.
import { copyFile, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import {
  HEADER_OFFSETS,
  HEADER_SIZE,
  parseHeader,
  serializeHeader,
} from '../../../electron/engine/formats/vhdx/header';
import { NIL_GUID } from '../../../electron/engine/formats/vhdx/guid';
import { METADATA_GUID } from '../../../electron/engine/formats/vhdx/metadata-items';
import { METADATA_TABLE_SIZE, parseMetadataTable } from '../../../electron/engine/formats/vhdx/metadata-table';
import type { MetadataEntry } from '../../../electron/engine/formats/vhdx/metadata-table';
import { readVhdxStructure } from '../../../electron/engine/formats/vhdx/structure';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { openImage } from '../../../electron/engine/image/open-image';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { setParent } from '../../../electron/engine/ops/set-parent';
import { cli, platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { copyFixture, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiChainHash, runStatus, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** base.img, base.vhdx made from it (1 MiB blocks), and an empty child.vhdx of it, in one folder. */
async function chain() {
  const dir = await tempDir();
  const raw = join(dir, 'base.img');
  await writeRaw(raw, 8 * MiB, [
    [0, MiB],
    [5 * MiB, 4096],
  ]);
  const base = join(dir, 'base.vhdx');
  await convertImage({ input: raw, output: base, blockSize: MiB });
  const child = join(dir, 'child.vhdx');
  await createImage({ path: child, parent: base });
  return { dir, raw, base, child };
}

interface Looked {
  readonly header: { dataWriteGuid: string; fileWriteGuid: string; logGuid: string };
  readonly locator: MetadataEntry;
  readonly paths: { relative: string | null; absolute: string | null };
  readonly entries: Readonly<Record<string, string>>;
}

/** The child's header and parent locator as the file holds them (no parent opened). */
async function look(child: string): Promise<Looked> {
  const file = await RandomAccessFile.open(child);
  try {
    const s = await readVhdxStructure(file);
    const table = parseMetadataTable(
      await file.readAt(s.metadataRegion.fileOffset, METADATA_TABLE_SIZE),
      s.metadataRegion.length,
    );
    const l = s.metadata.parentLocator!;
    return {
      header: s.header,
      locator: table.find((e) => e.itemId === METADATA_GUID.parentLocator)!,
      paths: { relative: l.relativePath, absolute: l.absoluteWin32Path },
      entries: l.entries,
    };
  } finally {
    await file.close();
  }
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isPlatterError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('set-parent of a differencing VHDX', () => {
  it('re-points a child whose parent moved: read again by Platter and libvhdi, the locator moved to fit', async () => {
    const { dir, raw, base, child } = await chain();
    const before = await look(child);
    const qemuSays = async () => {
      const { code, stderr } = await runStatus('qemu-img', ['check', '-f', 'vhdx', child]);
      return `${code} ${stderr.trim()}`;
    };
    // qemu-img 7.2 opens no differencing VHDX; what it says of the child must not change.
    const untouched = tools.qemuImg ? await qemuSays() : '';
    if (tools.qemuImg) expect(untouched).toMatch(/^1 qemu-img: Could not open .*: Operation not supported$/);
    await mkdir(join(dir, 'a much longer folder name for the parent'));
    const moved = join(dir, 'a much longer folder name for the parent', 'renamed base disk.vhdx');
    await rename(base, moved);
    expect((await refusal(hashImage(child))).code).toBe('VHD_PARENT_NOT_FOUND');
    expect(await setParent({ child, parent: moved })).toEqual({
      child,
      parent: moved,
      parentUuid: before.entries.parent_linkage!.slice(1, -1),
    });
    const after = await look(child);
    expect(after.paths).toEqual({
      relative: '.\\a much longer folder name for the parent\\renamed base disk.vhdx',
      absolute: moved,
    });
    expect(after.entries.parent_linkage).toBe(before.entries.parent_linkage);
    // The longer locator did not fit its old space: it lies elsewhere in the region, past every other item.
    expect(after.locator.length).toBeGreaterThan(before.locator.length);
    expect(after.locator.offset).toBeGreaterThanOrEqual(before.locator.offset + before.locator.length);
    // The content is the same: the DataWriteGuid stays (its own children stay valid); the log is empty again.
    expect(after.header.dataWriteGuid).toBe(before.header.dataWriteGuid);
    expect(after.header.fileWriteGuid).not.toBe(before.header.fileWriteGuid);
    expect(after.header.logGuid).toBe(NIL_GUID);
    const content = await sha256File(raw);
    expect((await hashImage(child)).sha256).toBe(content);
    if (tools.pyvhdi) expect(await pyvhdiChainHash(child)).toBe(content);
    expect(await cli('check', child)).toMatchObject({ code: 0 });
    if (tools.qemuImg) expect(await qemuSays()).toBe(untouched);
  });

  it('in place when the new locator fits, the rest of its old space cleared; again on the command line', async () => {
    const { dir, raw, base, child } = await chain();
    const before = await look(child);
    const moved = join(dir, 'b.vhdx');
    await rename(base, moved);
    const out = await platter('set-parent', child, moved);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${child} now points at ${moved} (UUID ${before.entries.parent_linkage!.slice(1, -1)})\n`);
    const after = await look(child);
    expect(after.locator.offset).toBe(before.locator.offset);
    expect(after.locator.length).toBeLessThan(before.locator.length);
    expect(after.paths).toEqual({ relative: '.\\b.vhdx', absolute: moved });
    const handle = await open(child, 'r');
    const tail = Buffer.alloc(before.locator.length - after.locator.length);
    await handle.read(tail, 0, tail.length, 2 * MiB + after.locator.offset + after.locator.length);
    await handle.close();
    expect(tail.every((b) => b === 0)).toBe(true);
    expect((await hashImage(child)).sha256).toBe(await sha256File(raw));
    if (tools.pyvhdi) expect(await pyvhdiChainHash(child)).toBe(await sha256File(raw));
    // Pointing it where it already points changes nothing.
    const same = await sha256File(child);
    await setParent({ child, parent: moved });
    expect(await sha256File(child)).toBe(same);
  });

  it('refuses a wrong parent, changing nothing: another disk, a VHD, the child itself, a disk with no parent', async () => {
    const { dir, base, child } = await chain();
    const other = join(dir, 'other.vhdx');
    await createImage({ path: other, size: 8 * MiB });
    const vhd = join(dir, 'base.vhd');
    await convertImage({ input: join(dir, 'base.img'), output: vhd });
    const hash = await sha256File(child);
    const expected = (await look(child)).entries.parent_linkage!.slice(1, -1);
    const unrelated = await refusal(setParent({ child, parent: other }));
    expect(unrelated.code).toBe('VHD_PARENT_MISMATCH');
    expect(unrelated.message).toMatch(
      /other\.vhdx is a different disk \(DataWriteGuid [0-9a-f-]+\), but .*child\.vhdx/,
    );
    expect(unrelated.remedy).toContain(expected);
    expect((await refusal(setParent({ child, parent: vhd }))).message).toBe(`${vhd} is not a readable VHDX`);
    expect((await refusal(setParent({ child, parent: child }))).message).toContain('is the child itself');
    const line = await cli('set-parent', child, other);
    expect(line.code).toBe(1);
    expect(line.stderr.trim().split('\n')).toHaveLength(1);
    expect(await sha256File(child)).toBe(hash);
    const notChild = await refusal(setParent({ child: base, parent: other }));
    expect(notChild).toMatchObject({ code: 'BAD_ARGUMENT', message: `${base} is a dynamic disk, which has no parent` });
    // A parent written to since (its DataWriteGuid changed) is no longer the one the child was made from.
    const written = join(dir, 'written.vhdx');
    await copyFile(base, written);
    await resizeImage({ path: written, size: 16 * MiB });
    expect((await refusal(setParent({ child, parent: written }))).code).toBe('VHD_PARENT_MISMATCH');
    expect(await sha256File(child)).toBe(hash);
  });

  it('a child with a log left by a cut-short change: the log is written in first, then the change made', async () => {
    const { dir, raw, base, child } = await chain();
    const moved = join(dir, 'moved.vhdx');
    await copyFile(base, moved);
    // Killed right after the log entry was written: the file still holds the old locator, its log the new one.
    process.env.PLATTER_TEST_KILL_AFTER_WRITES = '2';
    const killed = await platter('set-parent', child, moved).finally(() => {
      delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
    });
    expect(killed.code).not.toBe(0);
    // The file itself still needs its log replayed: read as it is, it is refused; opened, it reads the new locator.
    expect(isPlatterError(await look(child).catch((e: unknown) => e), 'VHDX_LOG_NOT_EMPTY')).toBe(true);
    const image = (await openImage(child)) as VhdxImage;
    expect(image.structure.replay?.writes.length).toBeGreaterThan(0);
    expect(image.structure.metadata.parentLocator?.relativePath).toBe('.\\moved.vhdx');
    await image.close();
    await setParent({ child, parent: base });
    const after = await look(child);
    expect(after.header.logGuid).toBe(NIL_GUID);
    expect(after.paths.relative).toBe('.\\base.vhdx');
    expect((await hashImage(child)).sha256).toBe(await sha256File(raw));
    expect(await cli('check', child)).toMatchObject({ code: 0 });
  });

  it.runIf(fixturesAvailable)(
    'a Hyper-V child: its linkages kept, its paths replaced, its volume path dropped',
    async () => {
      const dir = await tempDir();
      const child = await copyFixture('vhdx/hyperv-differencing-parent-missing-8g.avhdx', dir);
      const before = await look(child);
      // A stand-in for the missing parent: an empty 8 GiB VHDX given the DataWriteGuid the child records.
      const parent = join(dir, 'parent.vhdx');
      await createImage({ path: parent, size: 8 * 1024 * MiB, blockSize: 2 * MiB });
      await setDataWriteGuid(parent, before.entries.parent_linkage!.slice(1, -1));
      await setParent({ child, parent });
      const after = await look(child);
      expect(after.entries).toEqual({
        parent_linkage: '{ff34003b-11ed-4cf8-a166-b2be05e20b80}',
        parent_linkage2: '{00000000-0000-0000-0000-000000000000}',
        relative_path: '.\\parent.vhdx',
        absolute_win32_path: parent,
      });
      expect(after.locator.offset).toBe(before.locator.offset);
      expect(after.header.dataWriteGuid).toBe(before.header.dataWriteGuid);
      const info = await cli('info', '--json', child);
      expect(JSON.parse(info.stdout).parent.resolvedPath).toBe(parent);
      expect(await cli('check', child)).toMatchObject({ code: 0 });
      if (tools.vhdiinfo) {
        const { stdout } = await runStatus('vhdiinfo', [child]);
        expect(stdout).toContain(`Parent filename\t\t: ${parent}`);
      }
    },
  );
});

/** Gives a VHDX another DataWriteGuid in both headers (their checksums fixed up). */
async function setDataWriteGuid(path: string, guid: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    for (const at of HEADER_OFFSETS) {
      const bytes = new Uint8Array(HEADER_SIZE);
      await handle.read(bytes, 0, HEADER_SIZE, at);
      await handle.write(serializeHeader({ ...parseHeader(bytes), dataWriteGuid: guid }), 0, HEADER_SIZE, at);
    }
  } finally {
    await handle.close();
  }
}
