// `check --repair` dropping blocks it cannot trust, and leaving alone what it cannot fix without a guess.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { journalPathFor } from '../../../electron/engine/io/pending-journal';
import { createImage } from '../../../electron/engine/ops/create';
import { repairImage } from '../../../electron/engine/ops/repair';
import { seededBytes, sha256File } from '../../helpers/data';
import { copyFixture, fixturePath, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiHash, tools } from '../../helpers/tools';
import { KiB, contentHash, dynamicDisk, expectRepaired, flip, layoutOf, patch, setBatEntry } from './damage';

const tempDir = useTempDirs();
const BLOCK = 512 * KiB;

describe('dropping blocks', () => {
  it('drops both blocks that point at the same place', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 3, layout.bat[1]!);
    const result = await expectRepaired(path, dir, raw, [
      { start: BLOCK, end: 2 * BLOCK },
      { start: 3 * BLOCK, end: 4 * BLOCK },
    ]);
    // Block 3's old place is unused now, but not at the end: the file keeps its length (compact reclaims it).
    expect(result.changes.map((c) => [c.code, c.virtualRange])).toEqual([
      ['VHD_BAT_OVERLAP', { start: BLOCK, end: 2 * BLOCK }],
      ['VHD_BAT_OVERLAP', { start: 3 * BLOCK, end: 4 * BLOCK }],
    ]);
    expect((await stat(path)).size).toBe(layout.fileSize);
  });

  it('drops a block that overlaps the block table and one far past the end of the file', async () => {
    const dir = await tempDir();
    const { path, raw } = await dynamicDisk(dir);
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 0, 2); // sector 2: inside the dynamic header
    await setBatEntry(path, layout, 5, 0x7fffffff);
    const result = await expectRepaired(path, dir, raw, [
      { start: 0, end: BLOCK },
      { start: 5 * BLOCK, end: 6 * BLOCK },
    ]);
    expect(result.changes.slice(0, 2)).toEqual([
      expect.objectContaining({
        code: 'VHD_BAT_OVERLAP',
        message: expect.stringMatching(/overlaps the dynamic header/),
      }),
      expect.objectContaining({ code: 'VHD_BAT_OUT_OF_RANGE', message: expect.stringMatching(/runs past the footer/) }),
    ]);
  });

  it("drops a differencing child's faulty block: its range reads the parent again", async () => {
    const dir = await tempDir();
    const parent = await dynamicDisk(dir, { name: 'parent' });
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: parent.path, blockSize: BLOCK });
    // Give the child block 2 with its own data, then point block 4 at the same place.
    const { InPlaceVhdWriter } = await import('../../../electron/engine/formats/vhd/in-place-writer');
    const writer = await InPlaceVhdWriter.open(child);
    await writer.write(2 * BLOCK, seededBytes('child', BLOCK));
    await writer.sync();
    await writer.close();
    const layout = await layoutOf(child);
    await setBatEntry(child, layout, 4, layout.bat[2]!);
    const result = await repairImage({ path: child });
    expect(result.after?.problems).toEqual([]);
    expect(result.changes.filter((c) => c.code === 'VHD_BAT_OVERLAP').map((c) => c.message)).toEqual([
      expect.stringMatching(/block 2 .* now read from the parent$/),
      expect.stringMatching(/block 4 .* now read from the parent$/),
    ]);
    expect(await contentHash(child)).toBe(await sha256File(parent.raw));
    if (tools.pyvhdi) expect(await pyvhdiHash(child, parent.path)).toBe(await sha256File(parent.raw));
  });
});

describe('what repair leaves alone', () => {
  it('--dry-run lists the same changes and writes nothing', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 3, layout.bat[1]!);
    await patch(path, 0, new Uint8Array(512));
    const damaged = await readFile(path);
    const plan = await repairImage({ path, dryRun: true });
    expect(plan.after).toBeNull();
    expect((await readFile(path)).equals(damaged)).toBe(true);
    await expect(stat(journalPathFor(path))).rejects.toThrow();
    const done = await repairImage({ path });
    expect(done.changes).toEqual(plan.changes);
  });

  it('a clean image gets no change and no journal', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    const before = await stat(path);
    const result = await repairImage({ path });
    expect(result).toMatchObject({ changes: [], rolledBack: null, before: { clean: true }, after: { clean: true } });
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
  });

  it('does not guess between two footer copies damaged differently', async () => {
    const dir = await tempDir();
    const { path } = await dynamicDisk(dir);
    await flip(path, 100);
    await flip(path, -200);
    const damaged = await readFile(path);
    const result = await repairImage({ path });
    expect(result.changes).toEqual([]);
    expect((await readFile(path)).equals(damaged)).toBe(true);
  });

  it('reports a missing parent as remaining', async () => {
    const dir = await tempDir();
    const parent = await dynamicDisk(dir, { name: 'parent' });
    const child = join(dir, 'child.vhd');
    await createImage({ path: child, parent: parent.path });
    await writeFile(parent.path, 'gone');
    const result = await repairImage({ path: child });
    expect(result.changes).toEqual([]);
    expect(result.before.problems.map((p) => p.code)).toEqual(['VHD_PARENT_MISMATCH']);
  });

  it('refuses a raw file and a damaged VHDX; a clean VHDX has nothing to repair', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeFile(raw, seededBytes('raw', 4096));
    const error = await repairImage({ path: raw }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'UNSUPPORTED')).toBe(true);
    if (fixturesAvailable) {
      // A clean VHDX has nothing to repair; one with both header copies damaged is refused, as nothing fixes that
      // without a guess (one damaged copy is rewritten from the other: test/unit/vhdx/vhdx-repair.test.ts).
      const clean = await repairImage({ path: fixturePath('vhdx/hyperv-dynamic-10m.vhdx'), dryRun: true });
      expect(clean).toMatchObject({ changes: [], before: { clean: true } });
      const damaged = await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
      await patch(damaged, 64 * 1024 + 100, Uint8Array.of(0xff));
      await patch(damaged, 128 * 1024 + 100, Uint8Array.of(0xff));
      const vhdx = await repairImage({ path: damaged, dryRun: true }).catch((e: unknown) => e);
      expect(isPlatterError(vhdx, 'VHDX_BAD_HEADER')).toBe(true);
      expect((vhdx as Error).message).toMatch(/neither VHDX header is valid/);
    }
  });
});
