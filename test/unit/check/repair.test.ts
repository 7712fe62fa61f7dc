// `check --repair` on the damage real crashes, bad copies and hand edits leave. Each repaired image passes
// `check`, keeps its UUID, reads the content it should, and opens in qemu-img and libvhdi with that content.
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vhdChecksum } from '../../../electron/engine/formats/vhd/checksum';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { repairImage } from '../../../electron/engine/ops/repair';
import type { RepairResult } from '../../../electron/engine/ops/repair';
import { beginUndo } from '../../../electron/engine/io/undo-journal';
import { seededBytes, sha256File } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { KiB, MiB, contentHash, dynamicDisk, expectRepaired, flip, layoutOf, patch, readBytes } from './damage';

const tempDir = useTempDirs();
const BLOCK = 512 * KiB;
const BLOCK_BYTES = 512 + BLOCK; // bitmap sector + data

const codes = (r: RepairResult) => r.changes.map((c) => c.code);

describe('repairing footers and checksums', () => {
  it('rebuilds a zeroed end footer from the copy at the start, byte for byte', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    await patch(path, original.length - 512, new Uint8Array(512));
    const result = await expectRepaired(path, dir, raw);
    expect(codes(result)).toEqual(['VHD_FOOTER_MISSING']);
    expect(result.before.problems.map((p) => p.code)).toEqual(['VHD_FOOTER_MISSING']);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('rebuilds the copy at the start from the end footer', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    await patch(path, 0, new Uint8Array(512));
    expect(codes(await expectRepaired(path, dir, raw))).toEqual(['VHD_FOOTER_COPY_MISSING']);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('rebuilds the end footer from the copy when a byte of it was flipped', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    await flip(path, -100);
    const result = await expectRepaired(path, dir, raw);
    expect(result.changes).toEqual([
      expect.objectContaining({
        code: 'VHD_FOOTER_CHECKSUM',
        message: expect.stringMatching(/from the copy at the start/),
      }),
    ]);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('makes a copy that disagrees with the end footer (both sound) a copy of it again', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    const head = Buffer.from(original.subarray(0, 512));
    head.writeUInt32BE(12345, 24); // another timestamp, with a checksum to match
    head.writeUInt32BE(vhdChecksum(head, 64), 64);
    await patch(path, 0, head);
    expect(codes(await expectRepaired(path, dir, raw))).toEqual(['VHD_FOOTER_COPY_MISMATCH']);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('recomputes both checksums when both copies carry the same edit, keeping the edit', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const size = (await stat(path)).size;
    await flip(path, 100); // a reserved byte of each copy: both checksums now fail, the copies still agree
    await flip(path, size - 512 + 100);
    const result = await expectRepaired(path, dir, raw);
    expect(codes(result).sort()).toEqual(['VHD_FOOTER_CHECKSUM', 'VHD_FOOTER_COPY_CHECKSUM']);
    expect((await readBytes(path, 100, 1))[0]).toBe((await readBytes(path, size - 412, 1))[0]);
  });

  it('recomputes the dynamic header checksum', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    await flip(path, 512 + 900); // reserved bytes of the header
    expect(codes(await expectRepaired(path, dir, raw))).toEqual(['VHD_HEADER_CHECKSUM']);
  });

  it('recomputes a fixed disk footer checksum', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeFile(raw, seededBytes('fixed', 2 * MiB));
    const path = join(dir, 'fixed.vhd');
    await convertImage({ input: raw, output: path, type: 'fixed' });
    await flip(path, -10);
    expect(codes(await expectRepaired(path, dir, raw))).toEqual(['VHD_FOOTER_CHECKSUM']);
  });

  it('leaves a 511-byte footer (from before Virtual PC 2004) as it is, and recomputes its checksum', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeFile(raw, seededBytes('fixed', 2 * MiB));
    const path = join(dir, 'fixed.vhd');
    await convertImage({ input: raw, output: path, type: 'fixed' });
    await truncate(path, 2 * MiB + 511);
    expect(await checkImage(path)).toMatchObject({ problems: [], clean: true });
    expect((await repairImage({ path })).changes).toEqual([]);
    await flip(path, -10);
    const result = await repairImage({ path });
    expect(codes(result)).toEqual(['VHD_FOOTER_CHECKSUM']);
    expect(result.after?.problems).toEqual([]);
    expect((await stat(path)).size).toBe(2 * MiB + 511);
    expect(await contentHash(path)).toBe(await sha256File(raw));
  });
});

describe('repairing the end of the file', () => {
  it('puts the footer back over a half-written block (killed while a block was being added)', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    // The new block's bitmap went over the footer and part of its data after it; the footer never followed.
    await patch(path, original.length - 512, new Uint8Array(512).fill(0xff));
    await appendFile(path, seededBytes('half', 100 * KiB));
    const result = await expectRepaired(path, dir, raw);
    expect(result.changes).toEqual([
      expect.objectContaining({ code: 'VHD_FOOTER_MISSING', offset: original.length - 512 }),
    ]);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('moves the footer back after an orphan block (killed before its BAT entry was written)', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    const footer = original.subarray(original.length - 512);
    await patch(path, original.length - 512, seededBytes('orphan', BLOCK_BYTES));
    await appendFile(path, footer);
    expect((await checkImage(path)).problems.map((p) => p.code)).toEqual(['VHD_FILE_LENGTH']);
    const result = await expectRepaired(path, dir, raw);
    expect(result.changes).toEqual([
      expect.objectContaining({
        code: 'VHD_FILE_LENGTH',
        message: expect.stringContaining(`${BLOCK_BYTES} bytes after it cut off`),
      }),
    ]);
    expect((await readFile(path)).equals(original)).toBe(true);
  });

  it('drops the last block of a copy cut short, naming the range that now reads as zeros', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const layout = await layoutOf(path);
    await truncate(path, layout.fileSize - 512 - BLOCK / 2);
    const zeroed = { start: 7 * BLOCK, end: 8 * BLOCK };
    const result = await expectRepaired(path, dir, raw, [zeroed]);
    expect(codes(result).sort()).toEqual(['VHD_BAT_OUT_OF_RANGE', 'VHD_FOOTER_MISSING']);
    const drop = result.changes.find((c) => c.code === 'VHD_BAT_OUT_OF_RANGE')!;
    expect(drop.virtualRange).toEqual(zeroed);
    expect(drop.message).toContain(`virtual bytes ${zeroed.start}-${zeroed.end - 1} now read as zeros`);
    expect((await stat(path)).size).toBe(layout.fileSize - BLOCK_BYTES);
  });
});

describe('interrupted changes', () => {
  it('rolls back an interrupted resize first, then repairs', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const original = await readFile(path);
    // What a kill half-way through an in-place change leaves: the journal, and the image part-changed.
    const file = await RandomAccessFile.open(path, 'r+');
    await beginUndo(file, 'resize', [[0, 512]]);
    await file.write(new Uint8Array(512), 0);
    await file.close();
    expect((await checkImage(path)).problems.map((p) => p.code)).toEqual(['INTERRUPTED', 'VHD_FOOTER_COPY_MISSING']);
    const plan = await repairImage({ path, dryRun: true });
    expect(codes(plan)).toEqual(['INTERRUPTED']);
    const result = await expectRepaired(path, dir, raw);
    expect(result.rolledBack).toBe('resize');
    expect(result.changes).toEqual([]);
    expect((await readFile(path)).equals(original)).toBe(true);
  });
});
