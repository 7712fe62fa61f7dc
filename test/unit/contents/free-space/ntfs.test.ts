// NTFS free space against ntfsinfo's free cluster count and where the files' own bytes lie: mkntfs, files of
// random data written and deleted through ntfs-3g on a loop device. Dirty and hibernated volumes are not trusted.
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFreeSpace } from '../../../../electron/engine/contents/free-space';
import { useTempDirs } from '../../../helpers/temp-dir';
import { MiB, has, inRanges, openRaw, randomFiles, sectorsOf, sh, sparseFile } from './make-fs';
import { canMount, writeThroughMount } from './mounted';

const newTempDir = useTempDirs();
const available = has('mkntfs') && has('ntfsinfo') && has('ntfs-3g') && canMount;

async function makeNtfs(dir: string, size: number, extra: string[] = [], more: string[] = []) {
  const image = join(dir, 'ntfs.img');
  await sparseFile(image, size);
  sh('mkntfs', ['-F', '-Q', '-q', '-L', 'NTV', ...extra, image]);
  const files = await randomFiles(dir, [3 * MiB, 700 * 1024, 5 * MiB, 123457, 2 * MiB, 4096, 4 * MiB]);
  const deleted = files.filter((_, i) => i % 2 === 0);
  await writeThroughMount(image, ['ntfs-3g'], [...files, ...more], deleted);
  return { image, live: files.filter((_, i) => i % 2 === 1), deleted };
}

function ntfsinfoFreeBytes(image: string): number {
  const out = sh('ntfsinfo', ['-m', image]);
  return Number(/Free Clusters: (\d+)/.exec(out)![1]) * Number(/Cluster Size: (\d+)/.exec(out)![1]);
}

async function freeSpace(image: string, size: number) {
  const disk = await openRaw(image);
  try {
    return (await readFreeSpace(disk, { start: 0, size }))!;
  } finally {
    await disk.close();
  }
}

/** Sets the dirty flag in $Volume's VOLUME_INFORMATION (record 3 in $MFT and $MFTMirr; ntfsinfo reads it back). */
async function setDirty(image: string): Promise<void> {
  const handle = await open(image, 'r+');
  try {
    const boot = Buffer.alloc(512);
    await handle.read(boot, 0, 512, 0);
    const cluster = boot.readUInt16LE(11) * boot[13]!;
    const at = Number(boot.readBigUInt64LE(48)) * cluster + 3 * 1024;
    const mirror = Number(boot.readBigUInt64LE(56)) * cluster + 3 * 1024;
    const record = Buffer.alloc(1024);
    await handle.read(record, 0, 1024, at);
    for (let a = record.readUInt16LE(20); record.readUInt32LE(a) !== 0xffffffff; a += record.readUInt32LE(a + 4)) {
      if (record.readUInt32LE(a) !== 0x70) continue;
      const flags = a + record.readUInt16LE(a + 20) + 10;
      record.writeUInt16LE(record.readUInt16LE(flags) | 1, flags);
      await handle.write(record, 0, 1024, at);
      await handle.write(record, 0, 1024, mirror);
      return;
    }
    throw new Error('no VOLUME_INFORMATION');
  } finally {
    await handle.close();
  }
}

/** Writes a journal restart page (RSTR, 4 KiB, fixups applied) at the start of $LogFile, as ntfsinfo places it. */
async function writeRestartPage(image: string, flags: number): Promise<void> {
  const info = sh('ntfsinfo', ['-v', '-i', '2', image]);
  const lcn = Number(/Runlist:\s+VCN\s+LCN\s+Length\s+0x0\s+(0x[0-9a-f]+)/.exec(info)![1]);
  const cluster = Number(/Cluster Size: (\d+)/.exec(sh('ntfsinfo', ['-m', image]))![1]);
  const page = Buffer.alloc(4096);
  page.write('RSTR', 0, 'latin1');
  page.writeUInt16LE(0x1e, 4); // update sequence at 0x1e, 9 entries (one per 512 bytes, and the check value)
  page.writeUInt16LE(9, 6);
  page.writeUInt32LE(4096, 16); // system page size
  page.writeUInt32LE(4096, 20); // log page size
  page.writeUInt16LE(0x30, 24); // restart area offset
  page.writeInt16LE(1, 26);
  page.writeInt16LE(1, 28);
  page.writeBigUInt64LE(100n, 0x30); // current LSN
  page.writeUInt16LE(1, 0x38); // one log client
  page.writeUInt16LE(0xffff, 0x3a); // free list: none
  page.writeUInt16LE(0, 0x3c); // in-use list: client 0
  page.writeUInt16LE(flags, 0x3e);
  page.writeUInt16LE(1, 0x1e);
  for (let i = 1; i <= 8; i++) page.writeUInt16LE(1, i * 512 - 2);
  const handle = await open(image, 'r+');
  await handle.write(page, 0, 4096, lcn * cluster);
  await handle.close();
}

describe.skipIf(!available)('NTFS free space matches ntfsinfo', () => {
  for (const [size, extra] of [
    [100 * MiB, []],
    [200 * MiB, ['-c', '512']],
    [300 * MiB, ['-c', '65536']],
    [128 * MiB, ['-s', '4096', '-c', '8192']],
  ] as const) {
    it(`${size / MiB} MiB ${extra.join(' ')}`, async () => {
      const dir = await newTempDir();
      const { image, live, deleted } = await makeNtfs(dir, size, [...extra]);
      const found = await freeSpace(image, size);
      expect(found.fileSystem).toBe('ntfs');
      expect(found.label).toBe('NTV');
      expect(found.reason).toBeNull();
      expect(found.clean).toBe(true);
      expect(found.unusedBytes).toBe(ntfsinfoFreeBytes(image));
      const sectors = await sectorsOf(image, live, deleted);
      expect(sectors.live.length).toBeGreaterThan(0);
      expect(sectors.live.filter((at) => inRanges(found.unused, at))).toEqual([]);
      expect(sectors.deleted.length).toBeGreaterThan(0);
      expect(sectors.deleted.filter((at) => !inRanges(found.unused, at))).toEqual([]);
    });
  }

  it('the dirty flag gives clean: false until ntfsfix -d clears it', async () => {
    const dir = await newTempDir();
    const { image } = await makeNtfs(dir, 100 * MiB);
    await setDirty(image);
    expect(sh('ntfsinfo', ['-f', '-m', image])).toMatch(/Volume Flags:.*DIRTY/);
    expect(sh('sh', ['-c', `ntfsinfo -m ${image} 2>&1 || true`])).toMatch(/scheduled for check/);
    const found = await freeSpace(image, 100 * MiB);
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/dirty.*chkdsk/);
    sh('ntfsfix', ['-d', image]);
    expect((await freeSpace(image, 100 * MiB)).clean).toBe(true);
  });

  it('a hiberfil.sys holding a hibernation image gives clean: false; an emptied one does not', async () => {
    const dir = await newTempDir();
    const hiberfile = join(dir, 'hiberfil.sys');
    await writeFile(hiberfile, Buffer.concat([Buffer.from('HIBR'), Buffer.alloc(2 * MiB, 7)]));
    const { image } = await makeNtfs(dir, 100 * MiB, [], [hiberfile]);
    const found = await freeSpace(image, 100 * MiB);
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/hibernated.*fast startup/);
    await writeFile(hiberfile, Buffer.alloc(2 * MiB));
    await writeThroughMount(image, ['ntfs-3g', '-o', 'remove_hiberfile'], [hiberfile], []);
    expect((await freeSpace(image, 100 * MiB)).clean).toBe(true);
  });

  it('a small resident hiberfil.sys starting with "wake" counts too', async () => {
    const dir = await newTempDir();
    const hiberfile = join(dir, 'hiberfil.sys');
    await writeFile(hiberfile, 'wake');
    const { image } = await makeNtfs(dir, 100 * MiB, [], [hiberfile]);
    expect((await freeSpace(image, 100 * MiB)).clean).toBe(false);
  });

  // ntfs-3g mounts such a volume anyway (it resets the journal), so the rule is checked as ntfs-3g's own
  // ntfs_is_logfile_clean states it: a client in use without RESTART_VOLUME_IS_CLEAN.
  it('a journal with changes to replay gives clean: false; one marked clean does not', async () => {
    const dir = await newTempDir();
    const { image } = await makeNtfs(dir, 100 * MiB);
    await writeRestartPage(image, 0);
    const found = await freeSpace(image, 100 * MiB);
    expect(found.clean).toBe(false);
    expect(found.reason).toMatch(/\$LogFile.*shut.*down fully/);
    await writeRestartPage(image, 2);
    expect((await freeSpace(image, 100 * MiB)).reason).toBeNull();
  });
});
