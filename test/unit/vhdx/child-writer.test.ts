// A differencing VHDX as VhdxWriter writes it: the HasParent bit, the parent locator item (its entries as Hyper-V
// writes them), the parent's sizes, payload entries "not present" for blocks the child does not hold and "fully
// present" for those it holds, and a zeroed sector bitmap block per chunk between them.
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BITMAP_STATE, PAYLOAD_STATE } from '../../../electron/engine/formats/vhdx/bat';
import { METADATA_GUID } from '../../../electron/engine/formats/vhdx/metadata-items';
import { METADATA_TABLE_SIZE, parseMetadataTable } from '../../../electron/engine/formats/vhdx/metadata-table';
import {
  linkageText,
  newLocatorEntries,
  parseParentLocator,
  repointedEntries,
  serializeParentLocator,
} from '../../../electron/engine/formats/vhdx/parent-locator';
import { readVhdxStructure } from '../../../electron/engine/formats/vhdx/structure';
import { VhdxWriter, vhdxFileSize } from '../../../electron/engine/formats/vhdx/vhdx-writer';
import type { VhdxLayout } from '../../../electron/engine/formats/vhdx/vhdx-writer';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { useTempDirs } from '../../helpers/temp-dir';

const MIB = 1024 * 1024;
const tempDir = useTempDirs();
const PARENT = '5B1E0C2A-0D3E-4F50-8A6B-7C8D9E0F1A2B';

describe('a VHDX parent locator', () => {
  it('names the parent by its DataWriteGuid in braces, lowercase, then the paths in the order Hyper-V writes', () => {
    expect(linkageText(PARENT)).toBe('{5b1e0c2a-0d3e-4f50-8a6b-7c8d9e0f1a2b}');
    const entries = newLocatorEntries(PARENT, { relative_path: '.\\base.vhdx', absolute_win32_path: '/d/base.vhdx' });
    expect(Object.entries(entries)).toEqual([
      ['parent_linkage', '{5b1e0c2a-0d3e-4f50-8a6b-7c8d9e0f1a2b}'],
      ['absolute_win32_path', '/d/base.vhdx'],
      ['relative_path', '.\\base.vhdx'],
    ]);
    const parsed = parseParentLocator(serializeParentLocator(entries));
    expect(parsed).toMatchObject({
      parentLinkage: '5b1e0c2a-0d3e-4f50-8a6b-7c8d9e0f1a2b',
      relativePath: '.\\base.vhdx',
      absoluteWin32Path: '/d/base.vhdx',
      volumePath: null,
    });
    expect(() => linkageText('not a guid')).toThrow(RangeError);
  });

  it('re-pointed: new paths, the old volume path dropped, the linkages and unknown keys kept as stored', () => {
    // A key named __proto__ (JSON.parse makes it an own key) stays a plain key, never the object's prototype.
    const stored = JSON.parse(
      JSON.stringify({
        parent_linkage: '{5B1E0C2A-0D3E-4F50-8A6B-7C8D9E0F1A2B}',
        absolute_win32_path: 'C:\\VMs\\base.vhdx',
        relative_path: '.\\base.vhdx',
        volume_path: '\\\\?\\Volume{0eba351e-5634-46d6-a8cf-4ddc2d6ac0b9}\\VMs\\base.vhdx',
        parent_linkage2: '{00000000-0000-0000-0000-000000000000}',
      }).replace(/}$/, ',"__proto__":"kept as a plain key"}'),
    ) as Record<string, string>;
    const old = parseParentLocator(serializeParentLocator(stored));
    const moved = repointedEntries(old, { relative_path: '.\\moved\\base.vhdx', absolute_win32_path: '/m/base.vhdx' });
    expect(Object.entries(moved)).toEqual([
      ['parent_linkage', '{5B1E0C2A-0D3E-4F50-8A6B-7C8D9E0F1A2B}'],
      ['parent_linkage2', '{00000000-0000-0000-0000-000000000000}'],
      ['__proto__', 'kept as a plain key'],
      ['relative_path', '.\\moved\\base.vhdx'],
      ['absolute_win32_path', '/m/base.vhdx'],
    ]);
    expect(parseParentLocator(serializeParentLocator(moved)).volumePath).toBeNull();
  });
});

async function writeChild(layout: VhdxLayout, blocks: Record<number, Uint8Array>): Promise<string> {
  const path = join(await tempDir(), 'child.vhdx');
  await writeFile(path, '');
  const handle = await open(path, 'r+');
  const file = await RandomAccessFile.fromHandle(path, handle);
  try {
    const writer = new VhdxWriter(file, layout);
    for (const [block, data] of Object.entries(blocks)) await writer.writeData(Number(block), 0, data);
    expect(await writer.finish()).toBe(vhdxFileSize(layout, Object.keys(blocks).length));
  } finally {
    await file.close();
  }
  return path;
}

const entries = newLocatorEntries(PARENT, { relative_path: '.\\base.vhdx', absolute_win32_path: '/d/base.vhdx' });

describe('a differencing VHDX written by VhdxWriter', () => {
  it.each([
    [512, MIB, 5 * 1024 * MIB],
    [4096, 2 * MIB, 40 * 1024 * MIB],
    [512, 32 * MIB, 100 * MIB],
  ] as const)('%i-byte sectors, %i-byte blocks: bit, locator, states and bitmaps', async (sector, blockSize, size) => {
    const layout: VhdxLayout = {
      virtualSize: size,
      type: 'dynamic',
      blockSize,
      logicalSectorSize: sector,
      physicalSectorSize: 4096,
      parentLocator: entries,
    };
    const last = Math.ceil(size / blockSize) - 1;
    const path = await writeChild(layout, { 1: new Uint8Array([1, 2, 3]), [last]: new Uint8Array([9]) });
    const file = await RandomAccessFile.open(path);
    try {
      const s = await readVhdxStructure(file);
      expect(s.metadata).toMatchObject({ hasParent: true, leaveBlocksAllocated: false, blockSize, virtualSize: size });
      expect(s.metadata.logicalSectorSize).toBe(sector);
      expect(s.metadata.parentLocator?.entries).toEqual(entries);
      expect(s.geometry.hasParent).toBe(true);
      const states = [...s.bat.payloadState];
      expect(states.filter((st) => st === PAYLOAD_STATE.fullyPresent)).toHaveLength(2);
      expect(states.filter((st) => st === PAYLOAD_STATE.notPresent)).toHaveLength(states.length - 2);
      expect(states[1]).toBe(PAYLOAD_STATE.fullyPresent);
      expect(states[last]).toBe(PAYLOAD_STATE.fullyPresent);
      // One zeroed bitmap per chunk, each its own MiB of the file.
      expect(s.bat.bitmapState).toHaveLength(s.geometry.bitmapBlocks);
      expect([...s.bat.bitmapState].every((st) => st === BITMAP_STATE.present)).toBe(true);
      const offsets = [...s.bat.bitmapOffsetMiB];
      expect(new Set(offsets).size).toBe(offsets.length);
      for (const at of offsets) expect((await file.readAt(at * MIB, MIB)).every((b) => b === 0)).toBe(true);
      // The parent locator item: required, not part of the virtual disk (as Hyper-V flags it).
      const table = parseMetadataTable(
        await file.readAt(s.metadataRegion.fileOffset, METADATA_TABLE_SIZE),
        s.metadataRegion.length,
      );
      expect(table.find((e) => e.itemId === METADATA_GUID.parentLocator)).toMatchObject({
        isRequired: true,
        isVirtualDisk: false,
        isUser: false,
      });
    } finally {
      await file.close();
    }
  });

  it('is refused as a fixed disk', async () => {
    const layout: VhdxLayout = {
      virtualSize: 8 * MIB,
      type: 'fixed',
      blockSize: MIB,
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
      parentLocator: entries,
    };
    await expect(writeChild(layout, {})).rejects.toThrow(/a differencing disk is always dynamic/);
  });
});
