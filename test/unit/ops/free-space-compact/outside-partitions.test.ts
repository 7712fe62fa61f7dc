// Space outside every partition: a gap between two GPT partitions and the tail after the last one, both filled with
// random data, are dropped; what lies before the first partition (the tables, boot code) and the disk's last MiB
// (the backup GPT) are kept, as is a partition with no file system. Checked on qemu-img's raw export.
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactImage } from '../../../../electron/engine/ops/compact';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, sh, sparseFile } from '../../contents/free-space/make-fs';

const newTempDir = useTempDirs();

async function fill(path: string, at: number, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(randomBytes(length), 0, length, at);
  } finally {
    await handle.close();
  }
}

describe.skipIf(!has('sfdisk') || !has('qemu-img'))('space outside every partition', () => {
  it('gaps and the tail are dropped; the lead-in, the backup table and an unknown partition are kept', async () => {
    const dir = await newTempDir();
    const disk = join(dir, 'disk.raw');
    await sparseFile(disk, 40 * MiB);
    const table = [
      'label: gpt',
      `start=${(2 * MiB) / 512}, size=${(8 * MiB) / 512}`,
      `start=${(20 * MiB) / 512}, size=${(8 * MiB) / 512}`,
    ];
    sh('sfdisk', ['-q', disk], table.join('\n') + '\n');
    await fill(disk, MiB, MiB); // before the first partition: kept
    await fill(disk, 2 * MiB, 8 * MiB); // partition 1, no file system: kept
    await fill(disk, 10 * MiB, 10 * MiB); // the gap: dropped
    await fill(disk, 28 * MiB, 10 * MiB); // the tail but its last MiB: dropped
    const image = join(dir, 'disk.vhdx');
    sh('qemu-img', ['convert', '-O', 'vhdx', '-o', 'subformat=dynamic,block_size=1M', disk, image]);
    const out = join(dir, 'out.vhdx');
    const result = await compactImage({ path: image, output: out });
    expect(result.freeSpaceBlocks).toBe(20);
    expect(result.outsidePartitionsBytes).toBe(20 * MiB);
    expect(result.volumes).toEqual([
      expect.objectContaining({ partition: 1, fileSystem: null, keptWhole: true }),
      expect.objectContaining({ partition: 2, fileSystem: null, keptWhole: true }),
    ]);
    const exported = join(dir, 'out.raw');
    sh('qemu-img', ['convert', '-O', 'raw', out, exported]);
    const [before, after] = [await readFile(disk), await readFile(exported)];
    const same = (from: number, to: number) => before.subarray(from, to).equals(after.subarray(from, to));
    const zero = (from: number, to: number) => after.subarray(from, to).every((b) => b === 0);
    expect(same(0, 10 * MiB)).toBe(true);
    expect(zero(10 * MiB, 20 * MiB)).toBe(true);
    expect(same(20 * MiB, 28 * MiB)).toBe(true);
    expect(zero(28 * MiB, 38 * MiB)).toBe(true);
    expect(same(39 * MiB, 40 * MiB)).toBe(true);
  });
});
