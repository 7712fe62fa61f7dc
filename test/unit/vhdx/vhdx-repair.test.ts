// check --repair of a VHDX with one damaged copy of its header or region table: rewritten from the valid copy,
// killed or not; the content never changes, and qemu-img checks the result clean.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { repairImage } from '../../../electron/engine/ops/repair';
import { platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuCheckProblems, tools } from '../../helpers/tools';

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
