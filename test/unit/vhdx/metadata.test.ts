import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import {
  METADATA_GUID,
  knownItems,
  parseMetadata,
  serializeFileParameters,
  serializePage83Data,
  serializeSectorSize,
  serializeVirtualDiskSize,
} from '../../../electron/engine/formats/vhdx/metadata-items';
import {
  parseMetadataTable,
  serializeMetadataRegion,
  serializeMetadataTable,
} from '../../../electron/engine/formats/vhdx/metadata-table';
import type { MetadataEntry } from '../../../electron/engine/formats/vhdx/metadata-table';
import { parseParentLocator, serializeParentLocator } from '../../../electron/engine/formats/vhdx/parent-locator';

const KIB = 1024;
const MIB = 1024 * KIB;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPlatterError(err) ? err.code : String(err);
  }
  return undefined;
}

const entry = (overrides: Partial<MetadataEntry>): MetadataEntry => ({
  itemId: METADATA_GUID.fileParameters,
  offset: 64 * KIB,
  length: 8,
  isUser: false,
  isVirtualDisk: false,
  isRequired: true,
  ...overrides,
});

describe('VHDX metadata table', () => {
  it('round-trips entries and their flags', () => {
    const entries = [
      entry({}),
      entry({ itemId: METADATA_GUID.virtualDiskSize, offset: 64 * KIB + 8, isVirtualDisk: true }),
      entry({ itemId: METADATA_GUID.page83Data, offset: 0, length: 0, isUser: true, isRequired: false }),
    ];
    expect(parseMetadataTable(serializeMetadataTable(entries), MIB)).toEqual(entries);
  });

  it('refuses a bad signature and too many entries', () => {
    const bytes = serializeMetadataTable([entry({})]);
    bytes[0] = 0x4d;
    expect(() => parseMetadataTable(bytes, MIB)).toThrow(/"metadata"/);
    const many = serializeMetadataTable([]);
    new DataView(many.buffer).setUint16(10, 2048, true);
    expect(code(() => parseMetadataTable(many, MIB))).toBe('VHDX_BAD_METADATA');
    expect(code(() => parseMetadataTable(new Uint8Array(32), MIB))).toBe('VHDX_BAD_METADATA');
  });

  it('refuses items outside the region, over 1 MiB, overlapping or listed twice', () => {
    const table =
      (...entries: MetadataEntry[]) =>
      () =>
        parseMetadataTable(serializeMetadataTable(entries), MIB);
    expect(table(entry({ offset: 4 * KIB }))).toThrow(/outside the metadata region/);
    expect(table(entry({ offset: MIB - 4, length: 8 }))).toThrow(/outside the metadata region/);
    expect(table(entry({ length: MIB + 1 }))).toThrow(/at most 1 MiB/);
    expect(table(entry({ offset: 0xffff_fff0, length: 0x100 }))).toThrow(/outside/);
    expect(table(entry({ length: 0, offset: 64 * KIB }))).toThrow(/instead of 0/);
    expect(table(entry({}), entry({ itemId: METADATA_GUID.virtualDiskSize, offset: 64 * KIB + 4 }))).toThrow(/overlap/);
    expect(table(entry({}), entry({ offset: 128 * KIB }))).toThrow(/twice/);
  });

  it('lays out a whole region with the items after the table', () => {
    const region = serializeMetadataRegion([
      { itemId: METADATA_GUID.virtualDiskSize, data: serializeVirtualDiskSize(5) },
    ]);
    expect(region.length).toBe(MIB);
    const [item] = parseMetadataTable(region, region.length);
    expect(item).toMatchObject({ offset: 64 * KIB, length: 8, isRequired: true });
  });
});

function items(overrides: Record<string, Uint8Array | undefined> = {}): Map<string, Uint8Array> {
  const all: Record<string, Uint8Array | undefined> = {
    [METADATA_GUID.fileParameters]: serializeFileParameters({
      blockSize: 32 * MIB,
      leaveBlocksAllocated: false,
      hasParent: false,
    }),
    [METADATA_GUID.virtualDiskSize]: serializeVirtualDiskSize(10 * MIB),
    [METADATA_GUID.logicalSectorSize]: serializeSectorSize(512),
    [METADATA_GUID.physicalSectorSize]: serializeSectorSize(4096),
    [METADATA_GUID.page83Data]: serializePage83Data('01234567-89ab-cdef-0123-456789abcdef'),
    ...overrides,
  };
  return new Map(Object.entries(all).filter((e): e is [string, Uint8Array] => e[1] !== undefined));
}

const params = (blockSize: number, hasParent = false) =>
  serializeFileParameters({ blockSize, leaveBlocksAllocated: true, hasParent });

describe('VHDX metadata items', () => {
  it('reads every known item', () => {
    expect(parseMetadata(items())).toEqual({
      blockSize: 32 * MIB,
      leaveBlocksAllocated: false,
      hasParent: false,
      virtualSize: 10 * MIB,
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
      page83Data: '01234567-89ab-cdef-0123-456789abcdef',
      parentLocator: null,
    });
  });

  it('accepts block sizes that are powers of two from 1 MiB to 256 MiB', () => {
    expect(parseMetadata(items({ [METADATA_GUID.fileParameters]: params(MIB) })).blockSize).toBe(MIB);
    expect(parseMetadata(items({ [METADATA_GUID.fileParameters]: params(256 * MIB) })).blockSize).toBe(256 * MIB);
    for (const bad of [512 * KIB, 512 * MIB, 3 * MIB, 0]) {
      expect(code(() => parseMetadata(items({ [METADATA_GUID.fileParameters]: params(bad) })))).toBe(
        'VHDX_BAD_METADATA',
      );
    }
  });

  it('refuses sector sizes other than 512 and 4096', () => {
    expect(() => parseMetadata(items({ [METADATA_GUID.logicalSectorSize]: serializeSectorSize(1024) }))).toThrow(
      /512 or 4096/,
    );
    expect(() => parseMetadata(items({ [METADATA_GUID.physicalSectorSize]: serializeSectorSize(0) }))).toThrow(
      /physical sector size/,
    );
  });

  it('refuses a size past 64 TiB or not a whole number of sectors', () => {
    const size = (n: bigint) => {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, n, true);
      return items({ [METADATA_GUID.virtualDiskSize]: bytes });
    };
    expect(parseMetadata(size(64n << 40n)).virtualSize).toBe(2 ** 46);
    expect(() => parseMetadata(size((64n << 40n) + 512n))).toThrow(/64 TiB/);
    expect(() => parseMetadata(size(1n << 63n))).toThrow(/64 TiB/);
    expect(() => parseMetadata(size(1000n))).toThrow(/whole number/);
    expect(parseMetadata(size(6144n)).virtualSize).toBe(6144);
  });

  it('refuses missing or short required items', () => {
    expect(() => parseMetadata(items({ [METADATA_GUID.fileParameters]: undefined }))).toThrow(/file parameters/);
    expect(() => parseMetadata(items({ [METADATA_GUID.virtualDiskSize]: new Uint8Array(4) }))).toThrow(/needs 8/);
    expect(parseMetadata(items({ [METADATA_GUID.page83Data]: undefined })).page83Data).toBeNull();
  });

  it('needs a parent locator on a differencing disk', () => {
    expect(() => parseMetadata(items({ [METADATA_GUID.fileParameters]: params(MIB, true) }))).toThrow(
      /no parent locator/,
    );
  });

  it('loads known system items and refuses unknown required ones', () => {
    const unknown = entry({ itemId: '01234567-89ab-cdef-0123-456789abcdef' });
    expect(knownItems([entry({}), { ...unknown, isRequired: false }])).toEqual([entry({})]);
    expect(code(() => knownItems([entry({}), unknown]))).toBe('UNSUPPORTED');
    expect(knownItems([entry({ isUser: true, isRequired: false })])).toEqual([]);
  });
});

describe('VHDX parent locator', () => {
  const values = {
    parent_linkage: '{83ED0EC3-24C8-49A6-A959-5E4BF1288BFB}',
    relative_path: '..\\base\\parent.vhdx',
    absolute_win32_path: '\\\\?\\D:\\vms\\base\\parent.vhdx',
    volume_path: '\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\vms\\base\\parent.vhdx',
  };

  it('round-trips its key/value entries', () => {
    const locator = parseParentLocator(serializeParentLocator(values));
    expect(locator).toMatchObject({
      parentLinkage: '83ed0ec3-24c8-49a6-a959-5e4bf1288bfb',
      parentLinkage2: null,
      relativePath: values.relative_path,
      absoluteWin32Path: values.absolute_win32_path,
      volumePath: values.volume_path,
    });
    expect({ ...locator.entries }).toEqual(values);
  });

  it('refuses a locator without a linkage, with a bad linkage or without any path', () => {
    expect(() => parseParentLocator(serializeParentLocator({ relative_path: 'a.vhdx' }))).toThrow(/parent_linkage/);
    expect(() => parseParentLocator(serializeParentLocator({ ...values, parent_linkage: 'x' }))).toThrow(/not a GUID/);
    expect(() => parseParentLocator(serializeParentLocator({ parent_linkage: values.parent_linkage }))).toThrow(
      /no path/,
    );
  });

  it('refuses entries outside the item and unknown locator types', () => {
    const bytes = serializeParentLocator(values);
    const broken = bytes.slice();
    new DataView(broken.buffer).setUint32(20, bytes.length, true); // first key offset past the end
    expect(code(() => parseParentLocator(broken))).toBe('VHDX_BAD_METADATA');
    const tooMany = bytes.slice();
    new DataView(tooMany.buffer).setUint16(18, 1000, true);
    expect(() => parseParentLocator(tooMany)).toThrow(/do not fit/);
    const otherType = bytes.slice();
    otherType[0] = 0xff - otherType[0]!;
    expect(code(() => parseParentLocator(otherType))).toBe('UNSUPPORTED');
    expect(code(() => parseParentLocator(new Uint8Array(10)))).toBe('VHDX_BAD_METADATA');
  });
});
