// The real VMDK images in ../shared/fixtures (VMware vmware-vdiskmanager, ESXi, an old qemu-img) read at their
// listed size and content hash whichever of their files is opened, describe themselves, and check clean.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmdkDriver } from '../../../electron/engine/formats/vmdk/driver';
import type { VmdkInfo } from '../../../electron/engine/formats/vmdk/vmdk-info';
import { checkImage } from '../../../electron/engine/ops/check';
import { hashImage } from '../../../electron/engine/ops/hash';
import { fixturePath, fixturesAvailable, readableEntries } from '../../helpers/fixtures';

const entries = readableEntries('vmdk');

describe.skipIf(!fixturesAvailable)('real-world VMDK fixtures', () => {
  it('lists every subformat the manifest has', () => {
    expect(entries.map((e) => basename(e.file)).sort()).toEqual(
      expect.arrayContaining([
        'image.vmdk',
        'monolithicFlat.vmdk',
        'monolithicSparse.vmdk',
        'streamOptimized.vmdk',
        'twoGbMaxExtentSparse.vmdk',
        'vmfs_thick.vmdk',
      ]),
    );
  });

  it.each(entries.map((e) => [e.file, e] as const))('%s: size, content hash, check', async (_name, entry) => {
    const { sha256, virtualSize } = await hashImage(fixturePath(entry.file));
    expect(virtualSize).toBe(entry.virtualSize);
    expect(sha256).toBe(entry.contentSha256);
    expect((await checkImage(fixturePath(entry.file))).problems).toEqual([]);
  });

  it.each(entries.flatMap((e) => (e.companionFiles ?? []).map((c) => [c.file, e] as const)))(
    '%s: an extent opened on its own reads as its whole disk (its descriptor found beside it)',
    async (file, entry) => {
      const { sha256, virtualSize } = await hashImage(fixturePath(file));
      expect(virtualSize).toBe(entry.virtualSize);
      expect(sha256).toBe(entry.contentSha256);
    },
  );

  it.each(entries.map((e) => [e.file, e] as const))('%s: info', async (_name, entry) => {
    const d = await vmdkDriver.describe!(fixturePath(entry.file));
    const info = d.info as VmdkInfo;
    expect(info.virtualSize).toBe(entry.virtualSize);
    expect(entry.subformat!.toLowerCase()).toContain(info.createType.toLowerCase());
    expect(info.parentCid).toBe('ffffffff');
    expect(info.parent).toBeNull();
    const sparse = info.extents.some((e) => e.sparse);
    expect(d.diskType).toBe(sparse ? 'dynamic' : 'fixed');
    if (sparse) {
      expect(info.grainSize).toBe(64 * 1024);
      const states = d.blockStates()!;
      expect(states.length).toBe(Math.ceil(entry.virtualSize / 65536));
      expect(states.filter((s) => s === 'allocated').length * 65536).toBeGreaterThanOrEqual(d.allocatedBytes);
    }
  });
});
