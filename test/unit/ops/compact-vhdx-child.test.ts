// Compacting a differencing VHDX: blocks that read as zeros in the child and in its parent are left to the parent;
// everything else keeps its state (held whole, held in part with its sector bitmap, zeros over the parent's data),
// the link and the identity stay, and libvhdi reads the same content before and after.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openImage } from '../../../electron/engine/image/open-image';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { newLocatorEntries } from '../../../electron/engine/formats/vhdx/parent-locator';
import { vhdxParentPaths } from '../../../electron/engine/ops/parent-link';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { VhdxWriter } from '../../../electron/engine/formats/vhdx/vhdx-writer';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { seededBytes, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { pyvhdiChainHash, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const SIZE = 8 * MiB;

/**
 * The parent holds data in blocks 0 to 2 (and 3 with `zeroOverData`); the child, block by block, what the comments
 * say.
 */
async function chain(dir: string, zeroOverData: boolean): Promise<{ child: string; expected: string }> {
  const raw = join(dir, 'base.img');
  await writeRaw(raw, SIZE, [[0, (zeroOverData ? 4 : 3) * MiB]], 'parent');
  const base = join(dir, 'base.vhdx');
  await convertImage({ input: raw, output: base, blockSize: MiB });
  const parent = (await openImage(base)) as VhdxImage;
  const guid = parent.structure.header.dataWriteGuid;
  const content = new Uint8Array(SIZE);
  await parent.read(content, 0);
  await parent.close();

  const child = join(dir, 'child.avhdx');
  const handle = await open(child, 'w+');
  const file = await RandomAccessFile.fromHandle(child, handle);
  const writer = new VhdxWriter(file, {
    virtualSize: SIZE,
    type: 'dynamic',
    blockSize: MiB,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
    parentLocator: newLocatorEntries(guid, vhdxParentPaths(child, base)),
  });
  const own = seededBytes('child', MiB);
  await writer.writeData(0, 0, own); // 0: held whole, new data: kept
  content.set(own, 0);
  writer.allocate(1); // 1: held whole, zeros over the parent's data: kept
  content.fill(0, MiB, 2 * MiB);
  const half = new Uint8Array(128).fill(0xff); // 2: the first half held, with data: kept in part
  await writer.allocatePartial(2, half);
  await writer.writeData(2, 0, own.subarray(0, MiB / 2));
  content.set(own.subarray(0, MiB / 2), 2 * MiB);
  writer.markZero(3); // 3: zeros over the parent's data (kept as zero), or over its zeros (dropped)
  content.fill(0, 3 * MiB, 4 * MiB);
  writer.allocate(4); // 4: held whole, zeros, the parent zeros too: dropped
  await writer.allocatePartial(5, half); // 5: held in part, zeros, the parent zeros: dropped
  writer.markZero(6); // 6: zero over zeros: dropped; 7: left to the parent
  await writer.finish();
  await file.close();
  return { child, expected: createHash('sha256').update(content).digest('hex') };
}

async function states(path: string) {
  const image = (await openImage(path)) as VhdxImage;
  try {
    return { states: image.blockStates(), guid: image.structure.header.dataWriteGuid };
  } finally {
    await image.close();
  }
}

describe('compact of a differencing VHDX', () => {
  it('drops only the blocks that read as zeros in child and parent, in place; dry run and result agree', async () => {
    const { child, expected } = await chain(await tempDir(), false);
    expect((await hashImage(child)).sha256).toBe(expected);
    if (tools.pyvhdi) expect(await pyvhdiChainHash(child)).toBe(expected);
    const before = await states(child);
    expect(before.states).toEqual([
      'allocated',
      'allocated',
      'partial',
      'zero',
      'allocated',
      'partial',
      'zero',
      'parent',
    ]);

    const plan = await compactImage({ path: child, dryRun: true });
    expect(plan).toMatchObject({ blocksBefore: 5, blocksAfter: 3 });
    const result = await compactImage({ path: child });
    expect(result).toMatchObject({ blocksBefore: 5, blocksAfter: 3, sizeAfter: plan.sizeAfter });
    expect(result.sizeAfter).toBeLessThan(result.sizeBefore);

    const after = await states(child);
    expect(after.states).toEqual([
      'allocated',
      'allocated',
      'partial',
      'parent',
      'parent',
      'parent',
      'parent',
      'parent',
    ]);
    expect(after.guid).toBe(before.guid);
    expect((await hashImage(child)).sha256).toBe(expected);
    if (tools.pyvhdi) expect(await pyvhdiChainHash(child)).toBe(expected);
  });

  // libvhdi (20210425) reads a child's ZERO block as the parent's data; the specification, Platter and Hyper-V read
  // zeros. Compact keeps such a block as it is.
  it("keeps a ZERO block over the parent's data", async () => {
    const { child, expected } = await chain(await tempDir(), true);
    expect((await hashImage(child)).sha256).toBe(expected);
    await compactImage({ path: child });
    expect((await states(child)).states.slice(0, 4)).toEqual(['allocated', 'allocated', 'partial', 'zero']);
    expect((await hashImage(child)).sha256).toBe(expected);
  });
});
