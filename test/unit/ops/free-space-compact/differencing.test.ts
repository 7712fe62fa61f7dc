// Free-space compaction of a differencing child, in place, VHD and VHDX: the parent is an ext4 with one file, the
// child (Platter's convert-to-child) a copy where that file was deleted and others written over its place and most
// of them deleted (debugfs). Blocks the child's file system leaves free are dropped where the parent reads zeros and
// written as zeros over the parent's data; the parent is untouched, e2fsck finds the raw export of the chain
// clean and the remaining files read back identical.
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactImage } from '../../../../electron/engine/ops/compact';
import { convertImage } from '../../../../electron/engine/ops/convert';
import { convertToChild } from '../../../../electron/engine/ops/convert-delta';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, randomFiles, sh } from '../../contents/free-space/make-fs';
import { deletedData, zeroedSectors } from './share';
import { VOLUME_SIZE, checkFileSystem, filesThatDiffer, toolsFor } from './volumes';

const newTempDir = useTempDirs();

describe.skipIf(!toolsFor('ext4') || !has('qemu-img'))('free-space compaction of a differencing child', () => {
  for (const format of ['vhdx', 'vhd'] as const) {
    it(`a ${format.toUpperCase()} child, in place`, async () => {
      const dir = await newTempDir();
      const parentRaw = join(dir, 'parent.raw');
      sh('truncate', ['-s', String(VOLUME_SIZE), parentRaw]);
      sh('mkfs.ext4', ['-F', '-q', '-L', 'BASE', parentRaw]);
      const [old] = await randomFiles(join(dir), [6 * MiB]);
      const oldName = join(dir, 'old');
      await copyFile(old!, oldName);
      sh('debugfs', ['-w', '-R', `write ${oldName} old`, parentRaw]);
      const inputRaw = join(dir, 'input.raw');
      await copyFile(parentRaw, inputRaw);
      const files = await randomFiles(dir, [5 * MiB, 3 * MiB, 7 * MiB, 2 * MiB + 99, 4 * MiB]);
      const live = [files[1]!, files[3]!];
      const deleted = files.filter((f) => !live.includes(f));
      const commands = ['rm old', ...files.map((f) => `write ${f} ${basename(f)}`)];
      commands.push(...deleted.map((f) => `rm ${basename(f)}`));
      sh('debugfs', ['-w', '-f', '-', inputRaw], commands.join('\n') + '\n');

      const parent = join(dir, `parent.${format}`);
      await convertImage({ input: parentRaw, output: parent, format, type: 'dynamic', blockSize: MiB });
      const child = join(dir, `child.${format}`);
      await convertToChild({ input: inputRaw, output: child, parent, blockSize: MiB });
      const parentBefore = await readFile(parent);

      const dry = await compactImage({ path: child, dryRun: true });
      const result = await compactImage({ path: child });
      expect(result).toMatchObject({ blocksAfter: dry.blocksAfter, freeSpaceBlocks: dry.freeSpaceBlocks });
      expect(result.freeSpaceBlocks).toBeGreaterThan(0);
      expect(result.volumes).toEqual([
        expect.objectContaining({ fileSystem: 'ext4', label: 'BASE', keptWhole: false }),
      ]);
      expect((await readFile(parent)).equals(parentBefore)).toBe(true);

      const exported = join(dir, 'chain.raw');
      // qemu-img reads neither format's children: Platter's own export (its chain reading is checked against
      // qemu-img elsewhere), then the file system's own tools.
      await convertImage({ input: child, output: exported, format: 'raw' });
      checkFileSystem('ext4', exported);
      expect(await filesThatDiffer('ext4', exported, live, dir)).toEqual([]);
      // The deleted data in the child's free blocks reads as zeros: dropped over the parent's zeros, zeroed over
      // the parent's old file.
      const found = await deletedData(inputRaw, live, deleted, MiB);
      expect(found.inFreeBlocks.length).toBeGreaterThan(0);
      expect(await zeroedSectors(exported, found.inFreeBlocks)).toBe(found.inFreeBlocks.length);
    }, 600_000);
  }
});
