// A file system that was not cleanly unmounted is kept whole, and compact says why and what to do: an ext4 that
// needs journal recovery (debugfs sets the flag), a hibernated NTFS (a hiberfil.sys with a HIBR header written
// through ntfs-3g), a FAT32 whose clean-shutdown bit is clear. Its deleted data stays; the dry run names it.
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactImage } from '../../../../electron/engine/ops/compact';
import { platter } from '../../../helpers/cli';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, sh } from '../../contents/free-space/make-fs';
import { deletedData, zeroedSectors } from './share';
import { makeDisk, makeVolume, toolsFor, volumeStart } from './volumes';
import type { FsKind, Layout } from './volumes';

const newTempDir = useTempDirs();

async function poke(path: string, at: number, change: (b: number) => number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = change(byte[0]!);
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

const CASES: { kind: FsKind; layout: Layout; spoil: (dir: string) => Promise<string[]>; reason: RegExp }[] = [
  { kind: 'ext4', layout: 'gpt', spoil: () => Promise.resolve([]), reason: /journal recovery.*wsl --shutdown/ },
  {
    kind: 'ntfs',
    layout: 'mbr',
    spoil: async (dir) => {
      const hiberfile = join(dir, 'hiberfil.sys');
      await writeFile(hiberfile, Buffer.concat([Buffer.from('HIBR'), Buffer.alloc(MiB, 7)]));
      return [hiberfile];
    },
    reason: /hibernated.*fast startup/,
  },
  { kind: 'fat32', layout: 'whole', spoil: () => Promise.resolve([]), reason: /not cleanly unmounted.*chkdsk/ },
];

describe.skipIf(!has('qemu-img') || !has('sfdisk'))('a file system not cleanly unmounted is kept whole', () => {
  for (const c of CASES) {
    it.skipIf(!toolsFor(c.kind))(
      `${c.kind} in a ${c.layout} layout`,
      async () => {
        const dir = await newTempDir();
        const volume = await makeVolume(dir, c.kind, await c.spoil(dir));
        if (c.kind === 'ext4') sh('debugfs', ['-w', '-R', 'feature needs_recovery', volume.image]);
        if (c.kind === 'fat32') {
          const boot = Buffer.alloc(512);
          const handle = await open(volume.image, 'r');
          await handle.read(boot, 0, 512, 0);
          await handle.close();
          await poke(volume.image, boot.readUInt16LE(14) * 512 + 7, (b) => b & ~0x08); // FAT[1] bit 27
        }
        const disk = await makeDisk(dir, volume, c.kind, c.layout);
        const image = join(dir, 'disk.vhdx');
        sh('qemu-img', ['convert', '-O', 'vhdx', '-o', 'subformat=dynamic,block_size=1M', disk, image]);

        const dry = await platter('compact', '--dry-run', image);
        expect(dry.code).toBe(0);
        expect(dry.stdout).toMatch(/kept whole - /);
        expect(dry.stdout).toMatch(c.reason);

        const out = join(dir, 'out.vhdx');
        const result = await compactImage({ path: image, output: out });
        expect(result.volumes).toEqual([
          expect.objectContaining({ start: volumeStart(c.layout), keptWhole: true, reclaimableBytes: 0 }),
        ]);
        expect(result.volumes[0]!.reason).toMatch(c.reason);
        expect(result.freeSpaceBlocks).toBe(0);
        const exported = join(dir, 'out.raw');
        sh('qemu-img', ['convert', '-O', 'raw', out, exported]);
        const found = await deletedData(disk, volume.live, volume.deleted, MiB);
        expect(found.inDeletedOnlyBlocks.length).toBeGreaterThan(0);
        expect(await zeroedSectors(exported, found.inDeletedOnlyBlocks)).toBe(0);
        sh('cmp', [disk, exported]);
      },
      600_000,
    );
  }
});
