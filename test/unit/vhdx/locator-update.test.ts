// The pieces set-parent changes a VHDX's parent locator with: where a grown locator fits in the metadata region,
// the table bytes that place an item, and the log writes of several edits that may share pages.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editWrites } from '../../../electron/engine/formats/vhdx/log-update';
import { METADATA_GUID } from '../../../electron/engine/formats/vhdx/metadata-items';
import {
  METADATA_TABLE_SIZE,
  entryPlacement,
  freeMetadataSpace,
  parseMetadataTable,
  serializeMetadataTable,
} from '../../../electron/engine/formats/vhdx/metadata-table';
import type { MetadataEntry } from '../../../electron/engine/formats/vhdx/metadata-table';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { seededBytes } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';

const KIB = 1024;
const MIB = 1024 * KIB;
const T = METADATA_TABLE_SIZE;
const tempDir = useTempDirs();

const item = (itemId: string, offset: number, length: number): MetadataEntry => ({
  itemId,
  offset,
  length,
  isUser: false,
  isVirtualDisk: false,
  isRequired: true,
});

describe('free space in the metadata region', () => {
  const placed = [
    item(METADATA_GUID.fileParameters, T, 8),
    item(METADATA_GUID.virtualDiskSize, T + 8, 8),
    item(METADATA_GUID.parentLocator, T + 100, 300),
    item(METADATA_GUID.page83Data, 0, 0),
  ];

  it('is the first gap that holds the item, on an 8-byte boundary, never over an item or the table', () => {
    expect(freeMetadataSpace(placed, MIB, 80)).toBe(T + 16);
    expect(freeMetadataSpace(placed, MIB, 85)).toBe(T + 400);
    expect(freeMetadataSpace([item(METADATA_GUID.fileParameters, T, 5)], MIB, 3)).toBe(T + 8);
    expect(freeMetadataSpace([], MIB, 10)).toBe(T);
  });

  it('is none when the region has no room', () => {
    expect(freeMetadataSpace(placed, T + 1000, 601)).toBeNull();
    expect(freeMetadataSpace(placed, T + 1000, 600)).toBe(T + 400);
  });

  it('an entry is placed by 8 bytes of the table: its offset and length', () => {
    const table = serializeMetadataTable(placed);
    const { at, bytes } = entryPlacement(2, T + 512, 420);
    table.set(bytes, at);
    expect(parseMetadataTable(table, MIB)[2]).toEqual(item(METADATA_GUID.parentLocator, T + 512, 420));
    expect(parseMetadataTable(table, MIB).filter((_, i) => i !== 2)).toEqual(placed.filter((_, i) => i !== 2));
  });
});

describe('log writes of several edits', () => {
  async function fileOf(bytes: Uint8Array): Promise<RandomAccessFile> {
    const path = join(await tempDir(), 'f.bin');
    await writeFile(path, bytes);
    return RandomAccessFile.open(path);
  }

  it('one write per changed page, every edit in it, later edits winning; unchanged pages left out', async () => {
    const before = new Uint8Array(seededBytes('file', 5 * 4 * KIB));
    const file = await fileOf(before);
    try {
      const writes = await editWrites(file, [
        { offset: 4 * KIB + 10, bytes: new Uint8Array([1, 2, 3]) },
        { offset: 4 * KIB + 11, bytes: new Uint8Array([9]) }, // the same page, over the last edit
        { offset: 3 * 4 * KIB - 2, bytes: new Uint8Array([7, 7, 7, 7]) }, // across two pages
        { offset: 0, bytes: before.slice(0, 100) }, // changes nothing
      ]);
      expect(writes.map((w) => w.offset)).toEqual([4 * KIB, 8 * KIB, 12 * KIB]);
      const after = before.slice();
      after.set([1, 9, 3], 4 * KIB + 10);
      after.set([7, 7, 7, 7], 12 * KIB - 2);
      for (const w of writes) {
        expect('data' in w && w.data).toEqual(after.subarray(w.offset, w.offset + 4 * KIB));
      }
    } finally {
      await file.close();
    }
  });

  it('pages that become zero are zero runs, joined; pages past the end read as zeros', async () => {
    const file = await fileOf(new Uint8Array(seededBytes('file', 2 * 4 * KIB)));
    try {
      const writes = await editWrites(file, [
        { offset: 0, bytes: new Uint8Array(8 * KIB) },
        { offset: 9 * KIB, bytes: new Uint8Array([5]) },
      ]);
      expect(writes[0]).toEqual({ offset: 0, zeroLength: 8 * KIB });
      expect(writes[1]).toMatchObject({ offset: 8 * KIB });
      const page = (writes[1] as { data: Uint8Array }).data;
      expect(page[KIB]).toBe(5);
      expect(page.filter((b) => b !== 0)).toHaveLength(1);
    } finally {
      await file.close();
    }
  });
});
