// `check` on each kind of damage it must name: VHD footers, header, table, file length, parent link, an
// interrupted change, and VHDX headers, region tables and BAT. Check only reads.
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32cWithZeroedField } from '../../../electron/engine/formats/vhdx/crc32c';
import { batGeometry, payloadEntryIndex } from '../../../electron/engine/formats/vhdx/bat';
import { readVhdxStructure } from '../../../electron/engine/formats/vhdx/structure';
import { journalPathFor } from '../../../electron/engine/io/pending-journal';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { checkImage } from '../../../electron/engine/ops/check';
import type { CheckReport } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { inspectImage } from '../../../electron/engine/formats/vhd/vhd-info';
import { seededBytes, sha256File } from '../../helpers/data';
import { copyFixture, fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { KiB, MiB, dynamicDisk, flip, layoutOf, patch, readBytes, setBatEntry, u32 } from './damage';

const tempDir = useTempDirs();
const codes = (r: CheckReport) => r.problems.map((p) => `${p.severity} ${p.code}`);

/** Checks `path` and makes sure the check changed nothing. */
async function check(path: string): Promise<CheckReport> {
  const before = await sha256File(path);
  const report = await checkImage(path);
  expect(await sha256File(path)).toBe(before);
  expect(report.clean).toBe(report.problems.length === 0);
  return report;
}

describe('check of a VHD', () => {
  it('passes a fixed disk ending in a 511-byte footer, which info and hash read', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeFile(raw, seededBytes('old', MiB));
    const path = join(dir, 'old.vhd');
    await convertImage({ input: raw, output: path, type: 'fixed' });
    await truncate(path, MiB + 511);
    expect(await check(path)).toMatchObject({ problems: [], clean: true });
    expect((await inspectImage(path)).virtualSize).toBe(MiB);
    expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
  });

  it('names damage to the header and the table', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    const original = await readFile(path);
    const damaged = async (offset: number, bytes: Uint8Array) => {
      await writeFile(path, original);
      await patch(path, offset, bytes);
      return codes(await check(path));
    };
    expect(await damaged(512 + 24, u32(0x20000))).toEqual(['error VHD_HEADER_CHECKSUM', 'warning VHD_HEADER_VERSION']);
    expect(await damaged(512 + 28, u32(9))).toEqual(['error VHD_HEADER_CHECKSUM', 'warning VHD_BAT_LENGTH']);
    expect(await damaged(512 + 28, u32(7))).toEqual(['error VHD_HEADER_CHECKSUM', 'error VHD_BAT_LENGTH']); // and no guess at the length
    expect(await damaged(512, Buffer.from('notahead'))).toEqual(['error VHD_HEADER_INVALID']);
    expect(await damaged(100, Uint8Array.of(0x7f))).toEqual(['error VHD_FOOTER_COPY_CHECKSUM']);
    // The table moved to the start: it now lies over the footer copy.
    const moved = await damaged(512 + 16, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
    expect(moved).toContain('error VHD_STRUCTURE_OVERLAP');
    const far = await damaged(512 + 16, Buffer.from([0, 0, 0, 0, 0x7f, 0, 0, 0]));
    expect(far).toEqual(['error VHD_HEADER_CHECKSUM', 'error VHD_BAT_OUT_OF_RANGE']);
  });

  it('names every faulty block, and space lost after the last one', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 5, layout.bat[0]!);
    await setBatEntry(path, layout, 7, 0x00ffffff);
    const report = await check(path);
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'VHD_BAT_OVERLAP',
        offset: layout.tableOffset,
        message: expect.stringMatching(/^block 0 .*overlaps block 5/),
      }),
      expect.objectContaining({ code: 'VHD_BAT_OVERLAP', offset: layout.tableOffset + 20 }),
      expect.objectContaining({
        code: 'VHD_BAT_OUT_OF_RANGE',
        offset: layout.tableOffset + 28,
        message: expect.stringMatching(/runs past the footer/),
      }),
      // Block 7 was the last one in the file: its old place is now unused.
      expect.objectContaining({ code: 'VHD_FILE_LENGTH', severity: 'warning' }),
    ]);
  });

  it('reports an interrupted in-place change by its undo journal', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    await writeFile(journalPathFor(path), '{}');
    expect(codes(await check(path))).toEqual(['error INTERRUPTED']);
    // Even when the image no longer looks like one, the journal is what to report.
    await writeFile(path, seededBytes('x', 4096));
    expect(codes(await check(path))).toEqual(['error INTERRUPTED']);
  });
});

describe('check of a differencing VHD', () => {
  async function family() {
    const dir = await tempDir();
    const parent = await dynamicDisk(dir, { name: 'p' });
    const child = join(dir, 'c.vhd');
    await createImage({ path: child, parent: parent.path });
    const layout = await layoutOf(child);
    return { dir, parent, child, layout };
  }

  /** Replaces the parent's file name in the child's header and locators (same length, so nothing moves). */
  async function renameParent(child: string, to: string) {
    const bytes = await readFile(child);
    for (const encode of [
      (s: string) => Buffer.from(s, 'utf16le'),
      (s: string) => Buffer.from(s, 'utf16le').swap16(),
    ]) {
      for (let i = bytes.indexOf(encode('p.vhd')); i >= 0; i = bytes.indexOf(encode('p.vhd'), i + 1))
        encode(to).copy(bytes, i);
    }
    await writeFile(child, bytes);
  }

  it('passes a sound child', async () => {
    const { child } = await family();
    expect(await check(child)).toMatchObject({ clean: true });
  });

  it('names a child that records no parent UUID, or its own', async () => {
    const { child, layout } = await family();
    const original = await readFile(child);
    await patch(child, 512 + 40, new Uint8Array(16));
    expect(codes(await check(child))).toEqual(['error VHD_HEADER_CHECKSUM', 'error VHD_PARENT_UUID']);
    await writeFile(child, original);
    await patch(child, 512 + 40, Buffer.from(layout.uuid.replace(/-/g, ''), 'hex'));
    expect(codes(await check(child))).toEqual(['error VHD_HEADER_CHECKSUM', 'error VHD_PARENT_CYCLE']);
  });

  it('names locators that name the child itself, and ones pointing outside the file', async () => {
    const { child, parent } = await family();
    await renameParent(child, 'c.vhd');
    const report = await check(child);
    expect(codes(report)).toEqual(['error VHD_HEADER_CHECKSUM', 'error VHD_PARENT_MISMATCH']);
    expect(report.problems[1]!.message).toContain(child);
    await copyFile(parent.path, join(parent.path, '..', 'moved.vhd'));
    const header = await readBytes(child, 512, 1024);
    header.writeBigUInt64BE(2n ** 40n, 576 + 16); // the first locator's data offset
    await patch(child, 512, header);
    expect(codes(await check(child))).toContain('error VHD_LOCATOR_INVALID');
  });
});

describe.skipIf(!fixturesAvailable)('check of a VHDX', () => {
  const vhdx = manifest().filter((e) => e.format === 'vhdx');
  it.each(vhdx.filter((e) => !e.contentSha256IfLogIgnored && !e.parentLocators).map((e) => e.file))(
    'passes %s',
    async (file) => {
      expect(await check(fixturePath(file))).toMatchObject({ problems: [], clean: true });
    },
  );

  it.each(vhdx.filter((e) => e.contentSha256IfLogIgnored).map((e) => e.file))(
    'names the updates the log of %s holds',
    async (file) => {
      const report = await check(fixturePath(file));
      expect(codes(report)).toEqual(['error VHDX_LOG_NOT_EMPTY']);
      expect(report.problems[0]!.message).toMatch(/^the log holds \d+ updates never written into the disk/);
    },
  );

  it.each(vhdx.filter((e) => e.parentLocators).map((e) => e.file))('names the missing parent of %s', async (file) => {
    expect(codes(await check(fixturePath(file)))).toEqual(['error VHD_PARENT_NOT_FOUND']);
  });

  async function copy() {
    const path = await copyFixture('vhdx/hyperv-fixed-10m.vhdx', await tempDir());
    const file = await RandomAccessFile.open(path);
    const structure = await readVhdxStructure(file);
    await file.close();
    return { path, structure };
  }

  async function fixCrc(path: string, at: number, size: number) {
    const bytes = await readBytes(path, at, size);
    bytes.writeUInt32LE(crc32cWithZeroedField(bytes, 4), 4);
    await patch(path, at, bytes);
  }

  it('warns of one damaged header or region table copy, and fails when both are', async () => {
    const { path } = await copy();
    await flip(path, 64 * KiB + 200);
    expect(codes(await check(path))).toEqual(['warning VHDX_HEADER_COPY']);
    await flip(path, 256 * KiB + 5000);
    expect(codes(await check(path))).toEqual(['warning VHDX_HEADER_COPY', 'warning VHDX_REGION_TABLE_COPY']);
    await flip(path, 128 * KiB + 200);
    expect(codes(await check(path))).toEqual(['error VHDX_BAD_HEADER']);
  });

  it('passes a header naming a log that holds nothing for it (nothing to replay, as qemu-img sees it)', async () => {
    const { path } = await copy();
    for (const at of [64 * KiB, 128 * KiB]) {
      await patch(path, at + 48, seededBytes('log', 16));
      await fixCrc(path, at, 4 * KiB);
    }
    expect(codes(await check(path))).toEqual([]);
  });

  it('names blocks past the end of the file and blocks sharing a place', async () => {
    const { path, structure } = await copy();
    const g = batGeometry(structure.metadata);
    const present = [...structure.bat.payloadState.keys()].filter((b) => structure.bat.payloadState[b] === 6);
    const [a, b] = present as [number, number];
    const entry = async (block: number) =>
      readBytes(path, structure.batRegion.fileOffset + payloadEntryIndex(g, block) * 8, 8);
    await patch(path, structure.batRegion.fileOffset + payloadEntryIndex(g, b) * 8, await entry(a));
    expect(codes(await check(path))).toEqual(['error VHDX_BAT_OVERLAP']);
    const far = Buffer.alloc(8);
    far.writeUInt32LE(((4000 % 4096) * 2 ** 20 + 6) >>> 0, 0);
    await patch(path, structure.batRegion.fileOffset + payloadEntryIndex(g, b) * 8, far);
    expect(codes(await check(path))).toEqual(['error VHDX_BAT_OUT_OF_RANGE']);
  });
});
