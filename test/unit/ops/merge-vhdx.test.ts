// Merging a differencing VHDX that Hyper-V made (a checkpoint, .avhdx) into its VHDX parent: the parent then
// reads as the child did, in Platter and in qemu-img, and qemu-img checks it clean. The fixture's parent is not
// available, so one is written with the DataWriteGuid the child links to.
import { copyFile, mkdir, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAYLOAD_STATE } from '../../../electron/engine/formats/vhdx/bat';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { VhdxWriter } from '../../../electron/engine/formats/vhdx/vhdx-writer';
import { randomGuid } from '../../../electron/engine/formats/vhdx/guid';
import { openImage } from '../../../electron/engine/image/open-image';
import { writeNewFile } from '../../../electron/engine/io/output-file';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { convertToChild } from '../../../electron/engine/ops/convert-delta';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { writeBlockContent } from '../../../electron/engine/ops/write-content';
import { platter } from '../../helpers/cli';
import { seededBytes, writeRaw } from '../../helpers/data';
import { copyFixture, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiChainHash, qemuCheckProblems, runStatus, sha256Stream, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CHILD = 'vhdx/hyperv-differencing-parent-missing-8g.avhdx';
/** The name the child's relative_path locator gives its parent. */
const PARENT_NAME = 'Generation 1_49C4BAF3-4B25-4406-8C4B-D39E65C32385.avhdx';
const PARENT_LINKAGE = 'ff34003b-11ed-4cf8-a166-b2be05e20b80';

/**
 * A folder one level down in a fresh temporary one: a merge looks for other children of the parent in the child's
 * sibling folders, which for a folder right under the system's temporary folder are every other test's.
 */
async function caseDir(): Promise<string> {
  const dir = join(await tempDir(), 'case');
  await mkdir(dir);
  return dir;
}

/** The Hyper-V checkpoint and a parent for it with data of its own, whose blocks are `blockSize`. */
async function chain(dir: string, blockSize: number): Promise<{ child: string; parent: string }> {
  const child = await copyFixture(CHILD, dir);
  const raw = join(dir, 'parent.img');
  await writeRaw(raw, 8 * GiB, [
    [0, 3 * MiB],
    [100 * MiB + 4096, 5 * MiB],
    [4 * GiB, MiB],
  ]);
  const parent = join(dir, PARENT_NAME);
  const source = await openImage(raw, { allowRaw: true });
  try {
    const layout = {
      virtualSize: 8 * GiB,
      type: 'dynamic',
      blockSize,
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
    } as const;
    await writeNewFile(parent, undefined, async (file) => {
      const writer = new VhdxWriter(file, layout, { dataWriteGuid: PARENT_LINKAGE, page83Data: randomGuid() });
      await writeBlockContent(source, writer, { phase: 'writing', preallocate: false });
    });
  } finally {
    await source.close();
  }
  return { child, parent };
}

/** Whether qemu-img reads `a` and `b` (raw unless named .vhdx) as the same disk; it skips zeros on both sides. */
async function sameInQemu(a: string, b: string): Promise<boolean> {
  const format = (p: string) => (p.endsWith('.avhdx') || p.endsWith('.vhdx') ? 'vhdx' : 'raw');
  const { code } = await runStatus('qemu-img', ['compare', '-q', '-f', format(a), '-F', format(b), a, b]);
  return code === 0;
}

describe.runIf(fixturesAvailable && tools.qemuImg)('merge of a differencing VHDX', () => {
  it.each([
    ['32 MiB blocks (larger than the child’s 2 MiB)', 32 * MiB, true],
    ['1 MiB blocks (smaller than the child’s)', MiB, false],
  ])('into a dynamic parent of %s: the parent reads as the child did', async (_name, blockSize, withLibvhdi) => {
    const dir = await caseDir();
    const { child, parent } = await chain(dir, blockSize);
    // The chain as Platter reads it, written out; libvhdi reads the chain alike: the truth the merge must keep.
    const expected = join(dir, 'expected.img');
    await convertImage({ input: child, output: expected });
    if (withLibvhdi && tools.pyvhdi) expect(await pyvhdiChainHash(child)).toBe(await sha256Stream(expected));
    expect(await sameInQemu(parent, expected)).toBe(false);
    const result = await platter('merge', child, '--quiet');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expect(stat(child)).rejects.toThrow();
    expect(await qemuCheckProblems(parent, 'vhdx')).toBeNull();
    expect(await sameInQemu(parent, expected)).toBe(true);
    const merged = join(dir, 'merged.img');
    await convertImage({ input: parent, output: merged });
    expect(await sameInQemu(merged, expected)).toBe(true);
  });

  it('into a differencing parent (the Hyper-V checkpoint): its blocks held in part become whole, the rest read from its own parent', async () => {
    const dir = await caseDir();
    const { child: middle, parent: base } = await chain(dir, 32 * MiB);
    // A child of the checkpoint changing: sectors of block 0 (which the checkpoint holds in part), of block 1
    // (which it leaves to the base, holding data there), and of a block at 4 GiB (the base's data too).
    const raw = join(dir, 'top.img');
    await convertImage({ input: middle, output: raw });
    const handle = await open(raw, 'r+');
    for (const [at, seed] of [
      [8192, 'a'],
      [2 * MiB + 512, 'b'],
      [4 * GiB + 4096, 'c'],
    ] as const)
      await handle.write(seededBytes(seed, 4096), 0, 4096, at);
    await handle.close();
    const top = join(dir, 'top.avhdx');
    await convertToChild({ input: raw, output: top, parent: middle });
    const middleImage = (await openImage(middle)) as VhdxImage;
    expect(middleImage.structure.bat.payloadState[0]).toBe(PAYLOAD_STATE.partiallyPresent);
    expect(middleImage.structure.bat.payloadState[1]).toBe(PAYLOAD_STATE.notPresent);
    await middleImage.close();
    const baseBefore = await sha256Stream(base);
    const result = await platter('merge', top, '--quiet');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expect(stat(top)).rejects.toThrow();
    expect(await sha256Stream(base)).toBe(baseBefore);
    // The checkpoint, read through the base, is what the top read: in Platter and in libvhdi.
    const merged = join(dir, 'merged.img');
    await convertImage({ input: middle, output: merged });
    expect(await sameInQemu(merged, raw)).toBe(true);
    if (tools.pyvhdi) expect(await pyvhdiChainHash(middle)).toBe(await sha256Stream(raw));
    expect((await checkImage(middle)).problems).toEqual([]);
    const after = (await openImage(middle)) as VhdxImage;
    expect([0, 1, 2048].map((b) => after.structure.bat.payloadState[b])).toEqual([
      PAYLOAD_STATE.fullyPresent,
      PAYLOAD_STATE.fullyPresent,
      PAYLOAD_STATE.fullyPresent,
    ]);
    await after.close();
  }, 300_000);

  it('is refused, changing nothing, while the parent has another child beside it', async () => {
    const dir = await caseDir();
    const { child, parent } = await chain(dir, 32 * MiB);
    const sibling = join(dir, 'sibling.avhdx');
    await copyFile(child, sibling);
    const parentBefore = await sha256Stream(parent);
    const error = await mergeImage({ child }).catch((e: unknown) => e as { code: string; message: string });
    expect(error).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect((error as { message: string }).message).toContain(sibling);
    expect(await sha256Stream(parent)).toBe(parentBefore);
  });

  it('of a disk with no parent is refused, naming it', async () => {
    const dir = await caseDir();
    const { child } = await chain(dir, 32 * MiB);
    await convertImage({ input: join(dir, 'parent.img'), output: join(dir, 'base.vhd') });
    const result = await platter('merge', join(dir, 'base.vhd'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^platter: .* is not a differencing disk - /);
    expect((await stat(child)).isFile()).toBe(true);
  });

  it('killed after each of a run of its writes: the child reads as before, the parent checks clean, and the merge run again completes', async () => {
    let killed = 0;
    // Every run starts from the same chain (the parent's data is seeded): what it reads is worked out once.
    const expected = join(await caseDir(), 'expected.img');
    const first = await chain(dirname(expected), 32 * MiB);
    await convertImage({ input: first.child, output: expected });
    // The data pieces (one per MiB the child holds), then the logged update of the block table at the end.
    for (const writes of [1, 9, 33, 63, 64, 65, 66, 67, 68, 69, 70, 72, 90]) {
      const dir = await caseDir();
      const { child, parent } = await chain(dir, 32 * MiB);
      process.env.PLATTER_TEST_KILL_AFTER_WRITES = String(writes);
      const result = await platter('merge', child, '--quiet').finally(() => {
        delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
      });
      const now = join(dir, 'now.img');
      if (result.code === 0) break;
      killed++;
      await convertImage({ input: child, output: now });
      expect(await sameInQemu(now, expected), `the child after write ${writes}`).toBe(true);
      const replayed = join(dir, 'replayed.vhdx');
      await copyFile(parent, replayed);
      await runStatus('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', replayed]);
      expect(await qemuCheckProblems(replayed, 'vhdx'), `the parent after write ${writes}`).toBeNull();
      await mergeImage({ child });
      expect(await sameInQemu(parent, expected), `the parent merged again after write ${writes}`).toBe(true);
    }
    expect(killed).toBeGreaterThanOrEqual(10);
  }, 400_000);
});
