// check --repair of a VHDX with one damaged copy of its header or region table: rewritten from the valid copy,
// killed or not; the content never changes, and qemu-img checks the result clean. Blocks its BAT places outside
// the file or over other data: dropped, read as zeros alike by Platter, qemu-img and libvhdi afterwards.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { PAYLOAD_STATE, payloadEntryIndex, writeBatEntry } from '../../../electron/engine/formats/vhdx/bat';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { openImage } from '../../../electron/engine/image/open-image';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { repairImage } from '../../../electron/engine/ops/repair';
import { platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiHash, qemuCheckProblems, qemuReplayedVhdxHash, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const KiB = 1024;
const MiB = 1024 * KiB;

async function damage(path: string, offset: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}

async function vhdx(dir: string): Promise<{ path: string; content: string }> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 16 * MiB, [
    [0, MiB],
    [9 * MiB, 3 * MiB],
  ]);
  const path = join(dir, 'disk.vhdx');
  await convertImage({ input: raw, output: path, blockSize: MiB });
  return { path, content: await sha256File(raw) };
}

const COPIES = [
  ['the first header', 64 * KiB + 40, 'VHDX_HEADER_COPY'],
  ['the second header', 128 * KiB + 40, 'VHDX_HEADER_COPY'],
  ['the first region table', 192 * KiB + 20, 'VHDX_REGION_TABLE_COPY'],
  ['the second region table', 256 * KiB + 20, 'VHDX_REGION_TABLE_COPY'],
] as const;

describe('check --repair of a VHDX copy', () => {
  it.each(COPIES)('%s damaged: rewritten from the other copy', async (_what, offset, code) => {
    const dir = await tempDir();
    const { path, content } = await vhdx(dir);
    await damage(path, offset);
    const before = await checkImage(path);
    expect(before.problems.map((p) => p.code)).toEqual([code]);
    const dry = await repairImage({ path, dryRun: true });
    expect(dry.changes.map((c) => c.code)).toEqual([code]);
    expect((await checkImage(path)).problems).toHaveLength(1);
    const result = await platter('check', '--repair', path);
    expect(result.code).toBe(0);
    expect((await checkImage(path)).clean).toBe(true);
    expect((await hashImage(path)).sha256).toBe(content);
    if (tools.qemuImg) expect(await qemuCheckProblems(path, 'vhdx')).toBeNull();
  });

  it.each(COPIES)('%s damaged, repair killed after each write: one valid copy throughout', async (_what, offset) => {
    let killed = 0;
    for (let writes = 1; writes <= 6; writes++) {
      const dir = await tempDir();
      const { path, content } = await vhdx(dir);
      await damage(path, offset);
      process.env.PLATTER_TEST_KILL_AFTER_WRITES = String(writes);
      const result = await platter('check', '--repair', path, '--quiet').finally(() => {
        delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
      });
      expect((await hashImage(path)).sha256, `after write ${writes}`).toBe(content);
      if (result.code === 0) break;
      killed++;
      await repairImage({ path });
      expect((await checkImage(path)).clean).toBe(true);
    }
    expect(killed).toBeGreaterThanOrEqual(1);
  });

  it('both header copies damaged: refused, nothing written', async () => {
    const dir = await tempDir();
    const { path } = await vhdx(dir);
    await damage(path, 64 * KiB + 40);
    await damage(path, 128 * KiB + 40);
    const bytes = await sha256File(path);
    const result = await platter('check', '--repair', path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^platter: .* - /);
    expect(await sha256File(path)).toBe(bytes);
  });
});

/** The block table of the VHDX at `path` (read before it is damaged), and a way to set its entries. */
async function tableOf(path: string) {
  const image = (await openImage(path)) as VhdxImage;
  const s = image.structure;
  await image.close();
  /** Sets block `block`'s entry to `state` at `offsetMiB`. */
  const point = async (block: number, offsetMiB: number, state: number = PAYLOAD_STATE.fullyPresent) => {
    const entry = Buffer.alloc(8);
    writeBatEntry(new DataView(entry.buffer), 0, { state, fileOffsetMiB: offsetMiB });
    const file = await open(path, 'r+');
    await file.write(entry, 0, 8, s.batRegion.fileOffset + payloadEntryIndex(s.geometry, block) * 8);
    await file.close();
  };
  return {
    point,
    blockMiB: (block: number) => s.bat.payloadOffsetMiB[block]!,
    metadataMiB: s.metadataRegion.fileOffset / MiB,
  };
}

describe('check --repair of a VHDX block table', () => {
  /** The disk of `vhdx()` with block 9 past the end, block 10 on block 0, block 11 on the metadata region. */
  async function damagedBat(dir: string) {
    const raw = join(dir, 'disk.img');
    const { path } = await vhdx(dir);
    const table = await tableOf(path);
    await table.point(9, 4000);
    await table.point(10, table.blockMiB(0));
    await table.point(11, table.metadataMiB);
    // What the repaired disk holds: blocks 0, 9, 10 and 11 read as zeros.
    const bytes = await readFile(raw);
    for (const block of [0, 9, 10, 11]) bytes.fill(0, block * MiB, (block + 1) * MiB);
    return { path, repaired: createHash('sha256').update(bytes).digest('hex') };
  }

  it('drops blocks past the end or over other data, saying which virtual bytes read as zeros', async () => {
    const dir = await tempDir();
    const { path, repaired } = await damagedBat(dir);
    const before = await checkImage(path);
    expect(before.problems.map((p) => p.code).sort()).toEqual([
      'VHDX_BAT_OUT_OF_RANGE',
      'VHDX_BAT_OVERLAP',
      'VHDX_BAT_OVERLAP',
    ]);
    expect(before.problems.map((p) => p.message).join('\n')).toMatch(/block 9 .*past the end of the file/);
    if (tools.qemuImg) expect(await qemuCheckProblems(path, 'vhdx')).not.toBeNull();
    const dry = await repairImage({ path, dryRun: true });
    expect(dry.changes.map((c) => c.virtualRange)).toEqual(
      [0, 9, 10, 11].map((b) => ({ start: b * MiB, end: (b + 1) * MiB })),
    );
    expect(dry.changes[1]!.message).toMatch(/would drop block 9 .*past the end.* 9437184-10485759 now reads as zeros/);
    const result = await platter('check', '--repair', path);
    expect(result.code).toBe(0);
    expect((await checkImage(path)).problems).toEqual([]);
    expect((await hashImage(path)).sha256).toBe(repaired);
    if (tools.qemuImg) {
      expect(await qemuCheckProblems(path, 'vhdx')).toBeNull();
      expect(await qemuReplayedVhdxHash(path, dir)).toBe(repaired);
    }
    if (tools.pyvhdi) expect(await pyvhdiHash(path)).toBe(repaired);
  });

  it('refuses, changing nothing, a block table fault it cannot fix without a guess', async () => {
    const dir = await tempDir();
    const { path } = await vhdx(dir);
    const table = await tableOf(path);
    // Block 3 partially present: a fixed or dynamic disk has no sector bitmaps saying which sectors it holds.
    await table.point(3, 5, PAYLOAD_STATE.partiallyPresent);
    await table.point(9, 4000);
    expect((await checkImage(path)).problems.map((p) => p.code)).toEqual([
      'VHDX_BAT_OUT_OF_RANGE',
      'VHDX_BAT_OUT_OF_RANGE',
    ]);
    const bytes = await sha256File(path);
    const error = await repairImage({ path }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/without guessing.*block 3 is partially present/);
    expect(await sha256File(path)).toBe(bytes);
  });
});
