// The real VDI images in ../shared/fixtures read at their listed size and content hash, as qemu-img reads them,
// and check clean.
import { describe, expect, it } from 'vitest';
import { vdiDriver } from '../../../electron/engine/formats/vdi/driver';
import { checkImage } from '../../../electron/engine/ops/check';
import { imageDetails } from '../../../electron/engine/ops/image-details';
import { hashImage } from '../../../electron/engine/ops/hash';
import { cli } from '../../helpers/cli';
import { diskTypeOf, fixturePath, fixturesAvailable, manifest, readableEntries } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuContentHash, tools } from '../../helpers/tools';

const entries = readableEntries('vdi');
const tempDir = useTempDirs();

describe.skipIf(!fixturesAvailable)('real-world VDI fixtures', () => {
  it('lists the VDI entries, every one with a content hash', () => {
    const all = manifest().filter((e) => e.format === 'vdi');
    expect(all.length).toBeGreaterThanOrEqual(1);
    expect(entries).toHaveLength(all.length);
  });

  it.each(entries.map((e) => [e.file, e] as const))('%s: size, type, content hash and check', async (_n, entry) => {
    const path = fixturePath(entry.file);
    const { sha256, virtualSize } = await hashImage(path);
    expect(virtualSize).toBe(entry.virtualSize);
    expect(sha256).toBe(entry.contentSha256);
    const d = await vdiDriver.describe!(path);
    expect(d.diskType).toBe(diskTypeOf(entry));
    expect(d.virtualSize).toBe(entry.virtualSize);
    expect((await checkImage(path)).problems).toEqual([]);
    if (tools.qemuImg) expect(await qemuContentHash(path, await tempDir(), 'vdi')).toBe(entry.contentSha256);
  });

  it('platter info shows the qemu-made dynamic VDI: blocks, the hole of its first block, its UUIDs', async () => {
    const path = fixturePath('vdi/qemu-dynamic-10m.vdi');
    const text = await cli('info', path);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Format:\s+VDI 1\.1, dynamic \(sparse\) \(VirtualBox type normal\)/);
    expect(text.stdout).toMatch(/Blocks allocated:\s+9 of 10/);
    expect(text.stdout).toMatch(/UUID:\s+874ef599-4fd0-4f09-a3ee-cb161c1f8c41/);
    const json = JSON.parse((await cli('info', '--json', path)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ format: 'vdi', imageType: 'normal', headerSize: 0x180, blockSize: 1024 * 1024 });
    const d = await vdiDriver.describe!(path);
    expect(d.blockStates()).toEqual(['zero', ...Array<string>(9).fill('allocated')]);
    expect(d.allocatedBytes).toBe(9 * 1024 * 1024);
  });

  it('the Image view gets its allocation map, chain and capabilities (compact only)', async () => {
    const details = await imageDetails(fixturePath('vdi/qemu-dynamic-10m.vdi'));
    expect(details).toMatchObject({ format: 'vdi', diskType: 'dynamic', allocatedBlocks: 9, totalBlocks: 10 });
    expect(details.allocation?.map).toBe('0AAAAAAAAA');
    expect(details.chain).toHaveLength(1);
    expect(details.capabilities).toEqual({
      compact: true,
      resize: false,
      merge: false,
      setParent: false,
      createChild: false,
      repair: false,
    });
  });
});
