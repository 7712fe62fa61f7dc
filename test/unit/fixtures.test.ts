// Every real image in ../shared/fixtures reads at its listed size and content hash.
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/ops/info';
import { checkImage } from '../../electron/engine/ops/check';
import { fixturePath, fixturesAvailable, manifest } from '../helpers/fixtures';

const entries = manifest().filter((e) => e.format === 'vhd');
const readable = entries.filter((e) => e.contentSha256);
const missingParent = entries.filter((e) => e.parentLocators);

describe.skipIf(!fixturesAvailable)('real-world VHD fixtures', () => {
  it('lists fixtures of every kind', () => {
    expect(readable.length).toBeGreaterThanOrEqual(9);
    expect(missingParent.length).toBeGreaterThanOrEqual(1);
  });

  it.each(readable.map((e) => [e.file, e] as const))('%s: size, type and content hash', async (_name, entry) => {
    const info = await inspectImage(fixturePath(entry.file));
    expect(info.virtualSize).toBe(entry.virtualSize);
    expect(info.diskType).toBe(entry.type);
    if (entry.originalSize !== undefined) expect(info.originalSize).toBe(entry.originalSize);
    if (entry.qemuImg72VirtualSize !== undefined) expect(info.consumerSizes.qemuImg).toBe(entry.qemuImg72VirtualSize);
    expect(entry.creatorApp).toContain(`'${info.creatorApp}'`);
    const { sha256, virtualSize } = await hashImage(fixturePath(entry.file));
    expect(virtualSize).toBe(entry.virtualSize);
    expect(sha256).toBe(entry.contentSha256);
    expect((await checkImage(fixturePath(entry.file))).problems).toEqual([]);
  });

  it.each(missingParent.map((e) => [e.file, e] as const))(
    '%s: info shows the missing parent, reading names it',
    async (_name, entry) => {
      const path = fixturePath(entry.file);
      const info = await inspectImage(path);
      expect(info.diskType).toBe('differencing');
      expect(info.virtualSize).toBe(entry.virtualSize);
      expect(info.parent).not.toBeNull();
      expect(info.parent!.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(info.parent!.resolvedPath).toBeNull();
      for (const [platform, locatorPath] of Object.entries(entry.parentLocators!)) {
        expect(info.parent!.locators).toContainEqual(expect.objectContaining({ platform, path: locatorPath }));
      }
      const error = await hashImage(path).catch((e: unknown) => e);
      expect(isPlatterError(error, 'VHD_PARENT_NOT_FOUND')).toBe(true);
      expect((error as Error).message).toContain('fat-parent.vhd');
      expect((error as Error).message).toContain('looked in');
    },
  );
});
