// Compacting a VHDX: blocks that read as zeros are dropped and the rest packed, in a new file that replaces the
// old in one rename; the content, the DataWriteGuid and the Virtual Disk ID stay; qemu-img checks it clean.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { sha256File, writeRaw } from '../../helpers/data';
import { copyFixture, entryOf, fixturePath, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

async function identity(path: string) {
  const image = (await openImage(path)) as VhdxImage;
  try {
    return { guid: image.structure.header.dataWriteGuid, id: image.structure.metadata.page83Data };
  } finally {
    await image.close();
  }
}

describe.skipIf(!tools.qemuIo)('compact of a VHDX', () => {
  it('drops the blocks qemu-io zero-filled, in place: dry run and result agree, content and identity kept', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 16 * MiB, [
      [0, MiB],
      [5 * MiB, 2 * MiB],
    ]);
    const path = join(dir, 'disk.vhdx');
    await convertImage({ input: raw, output: path, blockSize: MiB });
    // Blocks 9 to 12 written with zeros: allocated, holding nothing.
    await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${9 * MiB} ${4 * MiB}`, path]);
    const before = await identity(path);
    const sizeBefore = (await stat(path)).size;
    const plan = await compactImage({ path, dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, blocksBefore: 7, blocksAfter: 3, sizeBefore });
    const result = await compactImage({ path });
    expect(result).toMatchObject({ dryRun: false, blocksAfter: 3, sizeAfter: plan.sizeAfter });
    expect((await stat(path)).size).toBe(plan.sizeAfter);
    expect(result.reclaimedBytes).toBe(sizeBefore - plan.sizeAfter);
    expect(await identity(path)).toEqual(before);
    expect((await hashImage(path)).sha256).toBe(await sha256File(raw));
    expect(await run('qemu-img', ['check', '-f', 'vhdx', path])).toContain('No errors were found');
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vhdx', raw, path])).toContain('identical');
  });

  it.runIf(fixturesAvailable)('a Disk2vhd image with every block allocated, to a new file', async () => {
    const entry = entryOf('vhdx/disk2vhd-256m.vhdx');
    const out = join(await tempDir(), 'small.vhdx');
    const result = await compactImage({ path: fixturePath(entry.file), output: out });
    expect(result.blocksAfter).toBeLessThan(result.blocksBefore);
    expect(result.sizeAfter).toBeLessThan(result.sizeBefore / 4);
    expect((await hashImage(out)).sha256).toBe(entry.contentSha256);
    expect(await sha256File(fixturePath(entry.file))).toBe((entry as { fileSha256?: string }).fileSha256);
  });

  it.runIf(fixturesAvailable)(
    'a dirty-log image compacts to its replayed content, and a fixed one is refused',
    async () => {
      const dir = await tempDir();
      const dirty = entryOf('vhdx/windows10-dirtylog-1g.vhdx');
      const path = await copyFixture(dirty.file, dir);
      await compactImage({ path });
      expect((await hashImage(path)).sha256).toBe(dirty.contentSha256);
      const compacted = (await openImage(path)) as VhdxImage;
      expect(compacted.structure.replay).toBeNull();
      await compacted.close();
      const fixed = await copyFixture('vhdx/hyperv-fixed-10m.vhdx', dir);
      const error = await compactImage({ path: fixed }).catch((e: unknown) => e);
      expect(isPlatterError(error, 'NOT_COMPACTABLE')).toBe(true);
    },
  );
});
