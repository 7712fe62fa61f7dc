// The Image view's summary line and its actions, from the details of real images (../shared/fixtures): what the
// line says is checked against the manifest (what made each image, its size) and the engine's own reading.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectImage, imageDetails } from '../../../electron/main/image-service';
import { createAppI18n } from '../../../renderer/src/i18n';
import { diskSummary, rawDiskSummary } from '../../../renderer/src/lib/disk-summary';
import { formatBytes } from '../../../renderer/src/lib/format';
import { entryOf, fixturePath, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { tools } from '../../helpers/tools';

const { t } = createAppI18n().global;
const translate = (key: string, values?: Record<string, unknown>) => t(key, values ?? {});

async function summaryOf(file: string): Promise<string> {
  return diskSummary(translate, await imageDetails(fixturePath(file)));
}

describe.skipIf(!fixturesAvailable)('the summary line of real images', () => {
  it.each([
    [
      'vhd/hyperv-dynamic-10m.vhd',
      '10 MiB Hyper-V disk (VHD, dynamic), one NTFS partition “New Volume”, 6.02 MiB on disk',
    ],
    ['vhd/hyperv-fixed-10m.vhd', '10 MiB Hyper-V disk (VHD, fixed), one NTFS partition “New Volume”, 10.0 MiB on disk'],
    [
      'vhdx/hyperv-dynamic-10m.vhdx',
      '10 MiB Hyper-V disk (VHDX, dynamic), one NTFS partition “New Volume”, 36 MiB on disk',
    ],
    ['vhd/qemu-empty-dynamic.vhd', '1.03 MiB qemu-img disk (VHD, dynamic), empty (no block written), 2.50 KiB on disk'],
    [
      'vdi/qemu-dynamic-10m.vdi',
      '10 MiB qemu-img disk (VDI, dynamic), no partition table or file system found, 9.00 MiB on disk',
    ],
    [
      'vhdx/disk2vhd-256m.vhdx',
      '256 MiB Disk2vhd disk (VHDX, dynamic), one FAT16 partition with no file system found, 260 MiB on disk',
    ],
    [
      'vhd/mkimg-dynamic-gpt.vhd',
      '6 MiB FreeBSD mkimg disk (VHD, dynamic), 2 partitions (FreeBSD UFS, FreeBSD swap), 6.00 MiB on disk',
    ],
    [
      'vmdk/vmware-vdiskmanager/streamOptimized.vmdk',
      '10 MiB VMware disk (VMDK, dynamic, stream-optimized), one NTFS partition “test_disk”, 265 KiB on disk',
    ],
    [
      'qcow2/qemu-zlib-compressed-512m.qcow2',
      '512 MiB QEMU disk (qcow2, dynamic), no partition table or file system found, 634 KiB on disk',
    ],
  ])('%s', async (file, expected) => {
    const summary = await summaryOf(file);
    expect(summary).toEqual(expected);
    // The size it starts with is the one the producer made (the manifest's record, not Platter's reading).
    const entry = entryOf(file);
    if (entry.virtualSize !== undefined) expect(summary.startsWith(`${formatBytes(entry.virtualSize)} `)).toBe(true);
  });

  it('a child whose parent is missing says so instead of what it holds', async () => {
    expect(await summaryOf('vhd/windows-differencing-parent-missing.vhd')).toMatch(
      /^4 MiB Hyper-V disk \(VHD, differencing\), its parent fat-parent\.vhd is missing, 2\.08 MiB on disk$/,
    );
  });

  it('a qcow2 over its backing file names its parent', async () => {
    expect(await summaryOf('qcow2/backing-chain-1.qcow2')).toMatch(
      /^512 MiB QEMU disk \(qcow2, differencing, child of backing-chain-2\.qcow2\), /,
    );
  });
});

describe.skipIf(!fixturesAvailable)('the actions each image offers', () => {
  it('a child whose parent is missing: only Check (and Fix parent)', async () => {
    const details = await imageDetails(fixturePath('vhd/windows-differencing-parent-missing.vhd'));
    expect(details.actions).toEqual({
      convert: 'parent-missing',
      hash: 'parent-missing',
      check: null,
      compact: 'parent-missing',
      createChild: 'parent-missing',
      resize: 'parent-missing',
      merge: 'parent-missing',
    });
    expect(details.capabilities.setParent).toBe(true);
    // The chain says the parent is missing, with the remedy; the warnings do not say it again.
    const missing = details.chain.find((l) => l.status === 'missing');
    expect(missing?.status === 'missing' && missing.error.message).toContain('fat-parent.vhd');
    expect(details.warnings.filter((w) => w.includes('fat-parent.vhd'))).toEqual([]);
  });

  it('a dynamic VHD: everything but Merge (only a child merges)', async () => {
    const details = await imageDetails(fixturePath('vhd/hyperv-dynamic-10m.vhd'));
    expect(details.actions).toEqual({
      convert: null,
      hash: null,
      check: null,
      compact: null,
      createChild: null,
      resize: null,
      merge: 'not-for-type',
    });
  });

  it('a fixed VHD cannot be compacted (its type), a VMDK not at all (its format)', async () => {
    const fixed = await imageDetails(fixturePath('vhd/hyperv-fixed-10m.vhd'));
    expect(fixed.actions.compact).toBe('not-for-type');
    const vmdk = await imageDetails(fixturePath('vmdk/vmware-vdiskmanager/monolithicSparse.vmdk'));
    expect(vmdk.actions).toMatchObject({ compact: 'not-for-format', resize: 'not-for-format', convert: null });
  });
});

describe.skipIf(!(tools.sfdisk && tools.blkid && tools.mkfs))('the summary line of a raw disk', () => {
  const tempDir = useTempDirs();
  const MiB = 1024 * 1024;

  it('a stick made with sfdisk and mkfs.fat: its size once, then its partition as blkid reads it', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'stick.img');
    const part = join(dir, 'part.img');
    execFileSync('truncate', ['-s', String(16 * MiB), raw]);
    execFileSync('sfdisk', ['-q', raw], { input: 'label: dos\nstart=2048, type=c\n' });
    execFileSync('truncate', ['-s', String(16 * MiB - 2048 * 512), part]);
    execFileSync('mkfs.fat', ['-F', '32', '-n', 'USBSTICK', part], { stdio: 'ignore' });
    execFileSync('dd', [`if=${part}`, `of=${raw}`, 'bs=512', 'seek=2048', 'conv=notrunc', 'status=none']);
    // The independent reading: blkid finds the FAT file system and its label inside the partition.
    const probe = execFileSync('blkid', [
      '-p',
      '-O',
      String(2048 * 512),
      '-s',
      'TYPE',
      '-s',
      'LABEL',
      '-o',
      'export',
      raw,
    ]);
    expect(probe.toString()).toContain('LABEL=USBSTICK');
    expect(probe.toString()).toContain('TYPE=vfat');

    expect(rawDiskSummary(translate, await detectImage(raw))).toBe(
      '16 MiB raw disk image, one FAT partition “USBSTICK”',
    );
  });

  it('a blank file: its size, and nothing found', async () => {
    const raw = join(await tempDir(), 'blank.img');
    execFileSync('truncate', ['-s', String(4 * MiB), raw]);
    expect(rawDiskSummary(translate, await detectImage(raw))).toBe(
      '4 MiB raw disk image, no partition table or file system found',
    );
  });
});
