// The real VHDX images in ../shared/fixtures read at their listed size and content hash, and their structures
// serialize back to the same bytes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import {
  HEADER_OFFSETS,
  HEADER_SIZE,
  parseHeader,
  serializeHeader,
} from '../../../electron/engine/formats/vhdx/header';
import {
  REGION_TABLE_OFFSETS,
  REGION_TABLE_SIZE,
  parseRegionTable,
  serializeRegionTable,
} from '../../../electron/engine/formats/vhdx/region-table';
import { openImage } from '../../../electron/engine/image/open-image';
import { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { hashImage } from '../../../electron/engine/ops/hash';
import { repairImage } from '../../../electron/engine/ops/repair';
import { copyFixture, entryOf, fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';
import { sha256File } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const MIB = 1024 * 1024;
const entries = manifest().filter((e) => e.format === 'vhdx');
const tempDir = useTempDirs();

describe.skipIf(!fixturesAvailable)('real-world VHDX fixtures', () => {
  it('lists the Hyper-V and mkimg images', () => {
    expect(entries.map((e) => e.file)).toEqual(
      expect.arrayContaining([
        'vhdx/hyperv-dynamic-10m.vhdx',
        'vhdx/hyperv-fixed-10m.vhdx',
        'vhdx/mkimg-dynamic-gpt.vhdx',
      ]),
    );
  });

  it.each(entries.filter((e) => e.contentSha256).map((e) => [e.file, e] as const))(
    '%s: size and content hash',
    async (_name, entry) => {
      const { sha256, virtualSize } = await hashImage(fixturePath(entry.file));
      expect(virtualSize).toBe(entry.virtualSize);
      expect(sha256).toBe(entry.contentSha256);
    },
  );

  it.each(entries.filter((e) => e.contentSha256IfLogIgnored).map((e) => [e.file, e] as const))(
    '%s: its log is replayed in memory, and the file is left as it was',
    async (_name, entry) => {
      const image = await openImage(fixturePath(entry.file));
      expect((image as VhdxImage).structure.replay?.writes.length).toBeGreaterThan(0);
      expect((image as VhdxImage).structure.warnings.join()).toContain('never written into the disk');
      await image.close();
      expect((await hashImage(fixturePath(entry.file))).sha256).not.toBe(entry.contentSha256IfLogIgnored);
      expect(await sha256File(fixturePath(entry.file))).toBe((entry as { fileSha256?: string }).fileSha256);
    },
  );

  it.each(entries.filter((e) => e.parentLocators).map((e) => [e.file, e] as const))(
    '%s: reading names the missing parent and where it was looked for',
    async (_name, entry) => {
      const error = await hashImage(fixturePath(entry.file)).catch((e: unknown) => e);
      expect(isPlatterError(error, 'VHD_PARENT_NOT_FOUND'), String(error)).toBe(true);
      expect((error as Error).message).toContain('Generation 1_49C4BAF3-4B25-4406-8C4B-D39E65C32385.avhdx');
      expect((error as Error).message).toContain('looked in');
      expect(entryOf(entry.file).parentLocators?.parent_linkage).toContain(
        (error as { details: { parentGuid: string } }).details.parentGuid,
      );
    },
  );

  it.each(entries.map((e) => [e.file] as const))('%s: headers and region tables round-trip', async (file) => {
    const bytes = new Uint8Array(await readFile(fixturePath(file)));
    for (const offset of HEADER_OFFSETS) {
      const header = bytes.subarray(offset, offset + HEADER_SIZE);
      expect(Buffer.from(serializeHeader(parseHeader(header))).equals(header)).toBe(true);
    }
    for (const offset of REGION_TABLE_OFFSETS) {
      const table = bytes.subarray(offset, offset + REGION_TABLE_SIZE);
      expect(Buffer.from(serializeRegionTable(parseRegionTable(table))).equals(table)).toBe(true);
    }
  });

  it('reads the structure Hyper-V writes', async () => {
    const image = await openImage(fixturePath('vhdx/hyperv-dynamic-10m.vhdx'));
    expect(image).toBeInstanceOf(VhdxImage);
    const { structure } = image as VhdxImage;
    expect(structure.identifier.creator).toMatch(/^Microsoft Windows/);
    expect(structure.metadata).toMatchObject({ blockSize: 32 * MIB, logicalSectorSize: 512, hasParent: false });
    expect(structure.headerCopy).toBe(1); // sequence 15 at 128 KiB beats 14 at 64 KiB
    expect(structure.warnings).toEqual([]);
    await image.close();
  });

  it('reads the same content when the current header copy is damaged', async () => {
    const [entry] = entries.filter((e) => e.file === 'vhdx/hyperv-dynamic-10m.vhdx');
    const path = await copyFixture(entry!.file, await tempDir());
    const bytes = await readFile(path);
    bytes[HEADER_OFFSETS[1] + 200] = 0xff - bytes[HEADER_OFFSETS[1] + 200]!;
    await writeFile(path, bytes);
    expect((await hashImage(path)).sha256).toBe(entry!.contentSha256);
  });

  it('reads as it is a copy whose header names a log with no valid entries (nothing to replay), and says so', async () => {
    const path = await copyFixture('vhdx/hyperv-fixed-10m.vhdx', await tempDir());
    const bytes = await readFile(path);
    for (const offset of HEADER_OFFSETS) {
      const header = parseHeader(bytes.subarray(offset, offset + HEADER_SIZE));
      bytes.set(serializeHeader({ ...header, logGuid: '5d2b6f4e-0c0a-4a4e-9d1b-3c2f6a1b0e7d' }), offset);
    }
    await writeFile(path, bytes);
    const image = (await openImage(path)) as VhdxImage;
    expect(image.structure.warnings).toContainEqual(expect.stringContaining('nothing to replay'));
    await image.close();
    expect((await hashImage(path)).sha256).toBe(entryOf('vhdx/hyperv-fixed-10m.vhdx').contentSha256);
  });
});

describe.skipIf(!fixturesAvailable || !tools.qemuImg)('a dirty log written in by check --repair', () => {
  it.each(entries.filter((e) => e.contentSha256IfLogIgnored).map((e) => [e.file, e] as const))(
    '%s: the content is kept, the log marked empty, and qemu-img reads it without replaying',
    async (_name, entry) => {
      const dir = await tempDir();
      const path = await copyFixture(entry.file, dir);
      const plan = await repairImage({ path, dryRun: true });
      expect(plan.changes.map((c) => c.code)).toEqual(['VHDX_LOG_NOT_EMPTY']);
      expect(await sha256File(path)).toBe((entry as { fileSha256?: string }).fileSha256);
      const result = await repairImage({ path });
      expect(result.after?.problems).toEqual([]);
      const image = (await openImage(path)) as VhdxImage;
      expect(image.structure.replay).toBeNull();
      await image.close();
      expect((await hashImage(path)).sha256).toBe(entry.contentSha256);
      // qemu-img opens it read-only now (it refuses a log that needs replaying), and reads the same content.
      const raw = join(dir, 'disk.raw');
      await run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', path, raw]);
      expect(await sha256File(raw)).toBe(entry.contentSha256);
      expect(await run('qemu-img', ['check', '-f', 'vhdx', path])).toContain('No errors were found');
    },
  );
});
