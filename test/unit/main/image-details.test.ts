// image:info on real images from ../shared/fixtures (Hyper-V, Windows, VirtualBox, qemu, mkimg, VMware; VHD, VHDX
// and VMDK).
import { describe, expect, it } from 'vitest';
import { imageDetails } from '../../../electron/main/image-service';
import { fixturePath, fixturesAvailable, readableEntries } from '../../helpers/fixtures';

describe.skipIf(!fixturesAvailable)('image details of real images', () => {
  // VHD and VHDX: what the view offers them (qcow2 in qcow2-fixtures.test.ts).
  it.each(readableEntries().filter((f) => f.format === 'vhd' || f.format === 'vhdx'))('$file', async (fixture) => {
    const details = await imageDetails(fixturePath(fixture.file));
    expect(details.format).toBe(fixture.format);
    expect(details.virtualSize).toBe(fixture.virtualSize);
    expect(details.chain[0]).toMatchObject({ status: 'found', path: fixturePath(fixture.file) });
    // What the view offers: compact only where there are blocks to drop, merge only for a child (a VMDK: nothing
    // is changed in place yet).
    expect(details.capabilities.compact).toBe(
      details.format !== 'vmdk' &&
        (details.diskType === 'dynamic' || (details.format === 'vhd' && details.diskType === 'differencing')),
    );
    expect(details.capabilities.merge).toBe(details.diskType === 'differencing');
    if (details.diskType === 'fixed' && details.format !== 'vhdx') {
      expect(details.allocation).toBeNull();
    } else {
      const map = details.allocation!;
      expect(map.map).toHaveLength(map.blockCount);
      expect(map.blockCount).toBe(Math.ceil(details.virtualSize / map.blockSize));
      expect(map.map).toMatch(/^[AP0p]*$/);
      expect(map.allocatedBlocks).toBe([...map.map].filter((c) => c === 'A' || c === 'P').length);
    }
    if (details.format === 'vhd') {
      // The manifest reads "'win ' 0x000a0000 'Wi2k'": creator, version, host.
      if (fixture.creatorApp) expect(fixture.creatorApp.startsWith(`'${details.creatorApp}'`)).toBe(true);
      expect(details.consumerSizes.qemuImg).toBe(fixture.qemuImg72VirtualSize ?? details.consumerSizes.qemuImg);
    }
  });

  it('a differencing child whose parent is missing: facts, the parent it expects, and a missing link', async () => {
    const file = 'vhd/windows-differencing-parent-missing.vhd';
    const details = await imageDetails(fixturePath(file));
    expect(details.diskType).toBe('differencing');
    expect(details.parent?.resolvedPath).toBeNull();
    expect(details.parent?.locators.map((l) => l.platform).sort()).toEqual(['W2ku', 'W2ru']);
    expect(details.allocation?.map).toMatch(/^[Ap]+$/);
    expect(details.chain).toHaveLength(2);
    expect(details.capabilities).toMatchObject({ merge: true, setParent: true, createChild: true });
    expect(details.chain[1]).toMatchObject({
      status: 'missing',
      childPath: fixturePath(file),
      expectedUuid: details.parent!.uuid,
      error: { code: 'VHD_PARENT_NOT_FOUND' },
    });
  });

  it('a differencing VHDX is offered compact, resize (a grow), merge, set-parent and children', async () => {
    const details = await imageDetails(fixturePath('vhdx/hyperv-differencing-parent-missing-8g.avhdx'));
    expect(details.diskType).toBe('differencing');
    expect(details.capabilities).toEqual({
      compact: true,
      resize: true,
      merge: true,
      setParent: true,
      createChild: true,
      repair: true,
    });
  });
});
