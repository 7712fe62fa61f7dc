// Making VHDX children, and what is refused: a parent of the other format (either way), another logical sector
// size, a parent that is not there, a fixed or preallocated child, another size. Every refusal is one line with a
// remedy, and writes nothing.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { convertImage } from '../../../electron/engine/ops/convert';
import { convertToChild } from '../../../electron/engine/ops/convert-delta';
import { createImage } from '../../../electron/engine/ops/create';
import { hashImage } from '../../../electron/engine/ops/hash';
import { cli } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** A folder holding base.img, and base.vhdx and base.vhd made from it. */
async function bases(sector: 512 | 4096 = 512) {
  const dir = await tempDir();
  const raw = join(dir, 'base.img');
  await writeRaw(raw, 8 * MiB, [[MiB, 64 * 1024]]);
  const vhdx = join(dir, 'base.vhdx');
  await convertImage({ input: raw, output: vhdx, blockSize: 2 * MiB, logicalSectorSize: sector });
  const vhd = join(dir, 'base.vhd');
  await convertImage({ input: raw, output: vhd });
  return { dir, raw, vhdx, vhd, files: ['base.img', 'base.vhd', 'base.vhdx'] };
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isPlatterError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  expect(err.message).not.toContain('\n');
  expect(err.remedy).toBeTruthy();
  return err;
}

describe('VHDX children', () => {
  it('take the parent’s size, block size and sector sizes unless asked; a physical sector size may be asked', async () => {
    const { dir, raw, vhdx } = await bases(4096);
    const child = join(dir, 'child.vhdx');
    expect(await createImage({ path: child, parent: vhdx, size: 8 * MiB })).toMatchObject({
      format: 'vhdx',
      diskType: 'differencing',
      virtualSize: 8 * MiB,
      blockSize: 2 * MiB,
    });
    const other = join(dir, 'other.vhdx');
    await createImage({ path: other, parent: vhdx, blockSize: MiB, physicalSectorSize: 512, logicalSectorSize: 4096 });
    const image = (await openImage(other)) as VhdxImage;
    try {
      expect(image.structure.metadata).toMatchObject({
        blockSize: MiB,
        logicalSectorSize: 4096,
        physicalSectorSize: 512,
      });
    } finally {
      await image.close();
    }
    for (const path of [child, other]) expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
  });

  it('refuse a parent of the other format, either way, with a remedy', async () => {
    const { dir, raw, vhdx, vhd, files } = await bases();
    const ofVhd = await refusal(createImage({ path: join(dir, 'c.vhdx'), parent: vhd }));
    expect(ofVhd.code).toBe('BAD_ARGUMENT');
    expect(ofVhd.message).toBe(`${vhd} is a VHD, and a differencing VHDX needs a VHDX parent`);
    expect(ofVhd.remedy).toMatch(/^make a VHD child \(name it \.vhd\), or convert the parent to VHDX first/);
    const ofVhdx = await refusal(createImage({ path: join(dir, 'c.vhd'), parent: vhdx }));
    expect(ofVhdx.message).toBe(`${vhdx} is a VHDX, and a differencing VHD needs a VHD parent`);
    for (const [output, parent] of [
      ['d.vhdx', vhd],
      ['d.vhd', vhdx],
    ] as const) {
      const delta = await refusal(convertToChild({ input: raw, output: join(dir, output), parent }));
      expect(delta.code).toBe('BAD_ARGUMENT');
      expect(delta.message).toMatch(/needs a VHDX? parent$/);
    }
    const line = await cli('convert', raw, join(dir, 'e.vhdx'), '--parent', vhd);
    expect(line.code).toBe(1);
    expect(line.stderr).toMatch(/^platter: .*base\.vhd is a VHD, and a differencing VHDX needs a VHDX parent - .*\n$/);
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it('refuse another logical sector size than the parent’s', async () => {
    const { dir, vhdx, files } = await bases(4096);
    const err = await refusal(createImage({ path: join(dir, 'c.vhdx'), parent: vhdx, logicalSectorSize: 512 }));
    expect(err.code).toBe('BAD_ARGUMENT');
    expect(err.message).toBe("a differencing VHDX has its parent's 4096-byte logical sectors, not 512-byte ones");
    const line = await cli('create', join(dir, 'c.vhdx'), '--parent', vhdx, '--logical-sector', '512');
    expect(line.code).toBe(1);
    expect(line.stderr).toMatch(
      /^platter: a differencing VHDX has its parent's 4096-byte logical sectors.* - leave out --logical-sector/,
    );
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it('refuse a parent that is not there', async () => {
    const { dir, raw, files } = await bases();
    const missing = join(dir, 'gone.vhdx');
    const err = await refusal(createImage({ path: join(dir, 'c.vhdx'), parent: missing }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(missing);
    await refusal(convertToChild({ input: raw, output: join(dir, 'd.vhdx'), parent: missing }));
    const line = await cli('create', join(dir, 'c.vhdx'), '--parent', missing);
    expect(line.code).toBe(1);
    expect(line.stderr.trim().split('\n')).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it('refuse a fixed or preallocated child, another size, and a source of another size', async () => {
    const { dir, vhdx, files } = await bases();
    const path = join(dir, 'c.vhdx');
    for (const asked of [{ type: 'fixed' as const }, { preallocate: true }]) {
      const err = await refusal(createImage({ path, parent: vhdx, ...asked }));
      expect(err).toMatchObject({ code: 'BAD_ARGUMENT', message: 'a differencing disk is always dynamic' });
    }
    expect((await refusal(createImage({ path, parent: vhdx, size: 4 * MiB }))).code).toBe('BAD_SIZE');
    const fixed = await cli('create', path, '--parent', vhdx, '--type', 'fixed');
    expect(fixed).toMatchObject({
      code: 1,
      stderr: 'platter: a differencing disk is always dynamic - leave out --type fixed and --preallocate\n',
    });
    const delta = await cli('convert', join(dir, 'base.img'), path, '--parent', vhdx, '--type', 'fixed');
    expect(delta.code).toBe(2);
    expect(delta.stderr).toContain('--parent makes a differencing disk, which is always dynamic');
    const small = join(dir, 'small.img');
    await writeRaw(small, 4 * MiB, []);
    expect((await refusal(convertToChild({ input: small, output: path, parent: vhdx }))).code).toBe('BAD_SIZE');
    expect((await readdir(dir)).sort()).toEqual([...files, 'small.img'].sort());
  });
});
