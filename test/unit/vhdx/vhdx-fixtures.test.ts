// The real VHDX images in ../shared/fixtures read at their listed size and content hash, and their structures
// serialize back to the same bytes.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { HEADER_OFFSETS, HEADER_SIZE, parseHeader, serializeHeader } from '../../../electron/engine/format/vhdx/header';
import {
  REGION_TABLE_OFFSETS,
  REGION_TABLE_SIZE,
  parseRegionTable,
  serializeRegionTable,
} from '../../../electron/engine/format/vhdx/region-table';
import { openImage } from '../../../electron/engine/image/open-image';
import { VhdxImage } from '../../../electron/engine/image/vhdx-image';
import { hashImage } from '../../../electron/engine/ops/hash';
import { copyFixture, fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';

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

  it.each(entries.map((e) => [e.file, e] as const))('%s: size and content hash', async (_name, entry) => {
    const { sha256, virtualSize } = await hashImage(fixturePath(entry.file));
    expect(virtualSize).toBe(entry.virtualSize);
    expect(sha256).toBe(entry.contentSha256);
  });

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

  it('refuses a copy whose header says the log must be replayed', async () => {
    const path = await copyFixture('vhdx/hyperv-fixed-10m.vhdx', await tempDir());
    const bytes = await readFile(path);
    for (const offset of HEADER_OFFSETS) {
      const header = parseHeader(bytes.subarray(offset, offset + HEADER_SIZE));
      bytes.set(serializeHeader({ ...header, logGuid: '5d2b6f4e-0c0a-4a4e-9d1b-3c2f6a1b0e7d' }), offset);
    }
    await writeFile(path, bytes);
    const error = await openImage(path).catch((e: unknown) => e);
    expect(isPlatterError(error, 'VHDX_LOG_NOT_EMPTY')).toBe(true);
  });
});
