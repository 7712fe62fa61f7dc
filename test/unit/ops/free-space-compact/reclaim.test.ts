// Compact reclaims what the guest's file systems deleted, without zero-filling: ext4 (four layouts), NTFS, FAT32
// and exFAT, each made and filled by its own tools, on a whole disk and in MBR and GPT partitions, as dynamic VHDX
// (qemu-img) and VHD (Platter) with 1 MiB and 2 MiB blocks. Afterwards the file system's own checker finds it
// clean and every remaining file reads back identical through its own tools, from qemu-img's raw export. The
// share of deleted data in whole blocks that is reclaimed is >= 95%; zero-based compaction and qemu-img convert
// reclaim none of it.
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactImage } from '../../../../electron/engine/ops/compact';
import { convertImage } from '../../../../electron/engine/ops/convert';
import { MiB, has, sh } from '../../contents/free-space/make-fs';
import { deletedData, zeroedSectors } from './share';
import { FS_KINDS, checkFileSystem, extractVolume, filesThatDiffer, makeDisk, makeVolume, toolsFor } from './volumes';
import type { FsKind, Layout, Volume } from './volumes';

const LAYOUTS: readonly Layout[] = ['whole', 'mbr', 'gpt'];
const FORMATS = [
  { name: 'VHDX 1 MiB', ext: 'vhdx', blockSize: MiB },
  { name: 'VHDX 2 MiB', ext: 'vhdx', blockSize: 2 * MiB },
  { name: 'VHD 1 MiB', ext: 'vhd', blockSize: MiB },
  { name: 'VHD 2 MiB', ext: 'vhd', blockSize: 2 * MiB },
] as const;

/** Where the figures go when asked for (docs/free-space.md's table is made from them). */
const FIGURES = process.env.PLATTER_FREE_SPACE_FIGURES;

async function toImage(raw: string, out: string, format: (typeof FORMATS)[number]): Promise<void> {
  if (format.ext === 'vhdx')
    sh('qemu-img', ['convert', '-O', 'vhdx', '-o', `subformat=dynamic,block_size=${format.blockSize}`, raw, out]);
  else await convertImage({ input: raw, output: out, format: 'vhd', type: 'dynamic', blockSize: format.blockSize });
}

function exportRaw(image: string, out: string): void {
  sh('qemu-img', ['convert', '-O', 'raw', image, out]);
}

for (const kind of FS_KINDS) {
  describe.skipIf(!toolsFor(kind) || !has('qemu-img') || !has('sfdisk'))(
    `compact reclaims ${kind}'s free space`,
    () => {
      let dir = '';
      let volume: Volume;
      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), 'platter-test-'));
        volume = await makeVolume(dir, kind);
      });
      afterAll(() => rm(dir, { recursive: true, force: true }));

      for (const layout of LAYOUTS) {
        it(`${layout === 'whole' ? 'on a whole disk' : `in an ${layout.toUpperCase()} partition`}`, async () => {
          const disk = await makeDisk(dir, volume, kind as FsKind, layout);
          for (const format of FORMATS) {
            const source = join(dir, `${kind}-${layout}-${format.blockSize}.${format.ext}`);
            await toImage(disk, source, format);
            const compacted = `${source}.compacted.${format.ext}`;
            const result = await compactImage({ path: source, output: compacted });
            expect(result.volumes).toHaveLength(1);
            expect(result.volumes[0]).toMatchObject({ keptWhole: false, reason: null });
            expect(result.freeSpaceBlocks).toBeGreaterThan(0);
            const dry = await compactImage({ path: source, dryRun: true });
            expect(dry).toMatchObject({ blocksAfter: result.blocksAfter, freeSpaceBlocks: result.freeSpaceBlocks });

            const exported = `${compacted}.raw`;
            exportRaw(compacted, exported);
            const vol = `${exported}.vol`;
            await extractVolume(exported, layout, vol);
            checkFileSystem(kind as FsKind, vol);
            expect(await filesThatDiffer(kind as FsKind, vol, volume.live, dir)).toEqual([]);

            const found = await deletedData(disk, volume.live, volume.deleted, format.blockSize);
            expect(found.freeBlocksWithOtherData).toEqual([]);
            const whole = found.inFreeBlocks;
            expect(whole.length * 512).toBeGreaterThan(4 * MiB);
            const share = (await zeroedSectors(exported, whole)) / whole.length;
            expect(share).toBeGreaterThanOrEqual(0.95);
            // The content-only count (blocks holding no other non-zero byte) also takes in blocks that share with
            // zeros the file system uses (journal, inode tables): a lower figure, reported beside.
            const byContent = found.inDeletedOnlyBlocks;
            const contentShare = (await zeroedSectors(exported, byContent)) / byContent.length;

            // Today's zero-based compaction and qemu-img convert keep every deleted byte.
            const zerosOnly = `${source}.zeros.${format.ext}`;
            await compactImage({ path: source, output: zerosOnly, zerosOnly: true });
            exportRaw(zerosOnly, exported);
            const zerosShare = (await zeroedSectors(exported, whole)) / whole.length;
            expect(zerosShare).toBe(0);
            const qemu = `${source}.qemu.${format.ext === 'vhd' ? 'vpc' : 'vhdx'}`;
            sh('qemu-img', ['convert', '-O', format.ext === 'vhd' ? 'vpc' : 'vhdx', source, qemu]);
            exportRaw(qemu, exported);
            const qemuShare = (await zeroedSectors(exported, whole)) / whole.length;
            expect(qemuShare).toBe(0);
            if (FIGURES) {
              const row = {
                kind,
                layout,
                format: format.name,
                deletedInFreeBlocks: whole.length * 512,
                share,
                deletedInDeletedOnlyBlocks: byContent.length * 512,
                contentShare,
                zerosShare,
                qemuShare,
              };
              await appendFile(FIGURES, JSON.stringify(row) + '\n');
            }
            await rm(exported, { force: true });
          }
        }, 600_000);
      }
    },
  );
}
