// Every real image in ../shared/fixtures: unpacked as the manifest describes it, read at its listed size and content
// hash (VHD and raw here, VHDX in vhdx/vhdx-fixtures.test.ts, VMDK in vmdk/vmdk-fixtures.test.ts), and the formats
// Platter does not read yet refused by name rather than read as raw disks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { openImage } from '../../electron/engine/image/open-image';
import { hashDisk, hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { checkImage } from '../../electron/engine/ops/check';
import {
  READ_FORMATS,
  diskTypeOf,
  fixturePath,
  fixturesAvailable,
  manifest,
  readableEntries,
} from '../helpers/fixtures';

const all = manifest();
const vhds = all.filter((e) => e.format === 'vhd');
const readable = readableEntries('vhd');
const missingParent = vhds.filter((e) => e.parentLocators);
const raws = readableEntries('raw');
const unread = all.filter((e) => !READ_FORMATS.includes(e.format));

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

describe.skipIf(!fixturesAvailable)('real-world fixtures', () => {
  it('lists fixtures of every kind', () => {
    expect(readable.length).toBeGreaterThanOrEqual(11);
    expect(missingParent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(all.map((e) => e.format))).toEqual(new Set(['vhd', 'vhdx', 'vmdk', 'qcow2', 'vdi', 'raw']));
  });

  it('unpacks every image and companion to the bytes the manifest records', async () => {
    const files = all.flatMap((e) => [e, ...(e.companionFiles ?? [])]) as { file: string; fileSha256?: string }[];
    for (const f of files.filter((f) => f.fileSha256))
      expect(await fileSha256(fixturePath(f.file)), f.file).toBe(f.fileSha256);
  });

  it.each(readable.map((e) => [e.file, e] as const))(
    '%s: size, type and content hash',
    async (_name, entry) => {
      const info = await inspectImage(fixturePath(entry.file));
      expect(info.virtualSize).toBe(entry.virtualSize);
      expect(info.diskType).toBe(diskTypeOf(entry));
      if (entry.originalSize !== undefined) expect(info.originalSize).toBe(entry.originalSize);
      if (entry.qemuImg72VirtualSize !== undefined) expect(info.consumerSizes.qemuImg).toBe(entry.qemuImg72VirtualSize);
      if (entry.creatorApp !== undefined) expect(entry.creatorApp).toContain(`'${info.creatorApp}'`);
      const { sha256, virtualSize } = await hashImage(fixturePath(entry.file));
      expect(virtualSize).toBe(entry.virtualSize);
      expect(sha256).toBe(entry.contentSha256);
      expect((await checkImage(fixturePath(entry.file))).problems).toEqual([]);
    },
    600_000,
  );

  it.each(raws.map((e) => [e.file, e] as const))('%s: a raw disk, read whole', async (_name, entry) => {
    const image = await openImage(fixturePath(entry.file), { allowRaw: true });
    try {
      expect(image.virtualSize).toBe(entry.virtualSize);
      expect(await hashDisk(image)).toBe(entry.contentSha256);
    } finally {
      await image.close();
    }
  });

  it.each(unread.map((e) => [e.file, e] as const))(
    '%s: refused by its format, never read as raw',
    async (_n, entry) => {
      for (const allowRaw of [false, true]) {
        const error = await openImage(fixturePath(entry.file), { allowRaw }).catch((e: unknown) => e);
        expect(isPlatterError(error, 'UNSUPPORTED'), String(error)).toBe(true);
        expect((error as Error).message).toContain(entry.format === 'vdi' ? 'VDI' : 'qcow2');
      }
    },
  );

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
