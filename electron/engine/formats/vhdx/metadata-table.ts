import { PlatterError } from '../../errors';
import { DAMAGED, KIB, MIB, leView, putAscii } from './fields';
import { readGuid, writeGuid } from './guid';

/** The metadata region starts with a 64 KiB table; items follow anywhere after it inside the region. */
export const METADATA_TABLE_SIZE = 64 * KIB;
export const MAX_METADATA_ENTRIES = 2047;
export const MAX_METADATA_ITEM = MIB;
const MAX_USER_ENTRIES = 1024;
const SIGNATURE = 'metadata';
const ENTRY_SIZE = 32;

export interface MetadataEntry {
  readonly itemId: string;
  /** From the start of the metadata region. */
  readonly offset: number;
  readonly length: number;
  readonly isUser: boolean;
  readonly isVirtualDisk: boolean;
  readonly isRequired: boolean;
}

function bad(message: string): PlatterError {
  return new PlatterError('VHDX_BAD_METADATA', message, DAMAGED);
}

/** Parses the metadata table; every item must lie inside the region, after the table, without overlaps. */
export function parseMetadataTable(bytes: Uint8Array, regionLength: number): MetadataEntry[] {
  if (bytes.length < METADATA_TABLE_SIZE) throw bad(`the VHDX metadata table is cut short at ${bytes.length} bytes`);
  if (String.fromCharCode(...bytes.subarray(0, 8)) !== SIGNATURE) {
    throw bad('the VHDX metadata table has no "metadata" signature');
  }
  const dv = leView(bytes);
  const count = dv.getUint16(10, true);
  if (count > MAX_METADATA_ENTRIES) throw bad(`the VHDX metadata table claims ${count} entries; at most 2047 fit`);
  const entries: MetadataEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 32 + i * ENTRY_SIZE;
    const flags = dv.getUint32(at + 24, true);
    const entry: MetadataEntry = {
      itemId: readGuid(bytes, at),
      offset: dv.getUint32(at + 16, true),
      length: dv.getUint32(at + 20, true),
      isUser: (flags & 1) !== 0,
      isVirtualDisk: (flags & 2) !== 0,
      isRequired: (flags & 4) !== 0,
    };
    checkPlacement(entry, regionLength);
    if (entries.some((e) => e.itemId === entry.itemId && e.isUser === entry.isUser)) {
      throw bad(`the VHDX metadata table lists item ${entry.itemId} twice`);
    }
    entries.push(entry);
  }
  if (entries.filter((e) => e.isUser).length > MAX_USER_ENTRIES) {
    throw bad('the VHDX metadata table holds more than 1024 user items');
  }
  const placed = entries.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!;
    if (prev.offset + prev.length > placed[i]!.offset) {
      throw bad(`the VHDX metadata items ${prev.itemId} and ${placed[i]!.itemId} overlap`);
    }
  }
  return entries;
}

function checkPlacement(entry: MetadataEntry, regionLength: number): void {
  const { itemId, offset, length } = entry;
  if (length === 0) {
    if (offset !== 0) throw bad(`the empty VHDX metadata item ${itemId} has an offset of ${offset} instead of 0`);
    return;
  }
  if (length > MAX_METADATA_ITEM) throw bad(`the VHDX metadata item ${itemId} is ${length} bytes; at most 1 MiB`);
  if (offset < METADATA_TABLE_SIZE || offset + length > regionLength) {
    throw bad(`the VHDX metadata item ${itemId} at ${offset} (${length} bytes) lies outside the metadata region`);
  }
}

/**
 * Where an item of `length` bytes fits in the region without touching any item `entries` place (or the table):
 * the first gap, at an 8-byte boundary; null when there is none.
 */
export function freeMetadataSpace(
  entries: readonly MetadataEntry[],
  regionLength: number,
  length: number,
): number | null {
  const placed = entries.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset);
  let at = METADATA_TABLE_SIZE;
  for (const entry of placed) {
    if (entry.offset >= at + length) break;
    at = Math.max(at, Math.ceil((entry.offset + entry.length) / 8) * 8);
  }
  return at + length <= regionLength ? at : null;
}

/** The bytes of the table that record where entry `index` lies, and their place from the start of the region. */
export function entryPlacement(index: number, offset: number, length: number): { at: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(8);
  const dv = leView(bytes);
  dv.setUint32(0, offset, true);
  dv.setUint32(4, length, true);
  return { at: 32 + index * ENTRY_SIZE + 16, bytes };
}

export function serializeMetadataTable(entries: readonly MetadataEntry[]): Uint8Array {
  if (entries.length > MAX_METADATA_ENTRIES) throw new RangeError('too many metadata entries');
  const bytes = new Uint8Array(METADATA_TABLE_SIZE);
  const dv = leView(bytes);
  putAscii(bytes, 0, SIGNATURE);
  dv.setUint16(10, entries.length, true);
  entries.forEach((entry, i) => {
    const at = 32 + i * ENTRY_SIZE;
    writeGuid(bytes, at, entry.itemId);
    dv.setUint32(at + 16, entry.offset, true);
    dv.setUint32(at + 20, entry.length, true);
    dv.setUint32(at + 24, (entry.isUser ? 1 : 0) | (entry.isVirtualDisk ? 2 : 0) | (entry.isRequired ? 4 : 0), true);
  });
  return bytes;
}

export interface MetadataItemData {
  readonly itemId: string;
  readonly data: Uint8Array;
  readonly isUser?: boolean;
  readonly isVirtualDisk?: boolean;
  readonly isRequired?: boolean;
}

/** A whole metadata region: the table, then the items one after another, padded to a whole MiB. */
export function serializeMetadataRegion(items: readonly MetadataItemData[]): Uint8Array {
  let offset = METADATA_TABLE_SIZE;
  const entries = items.map((item) => {
    const entry: MetadataEntry = {
      itemId: item.itemId,
      offset: item.data.length === 0 ? 0 : offset,
      length: item.data.length,
      isUser: item.isUser ?? false,
      isVirtualDisk: item.isVirtualDisk ?? false,
      isRequired: item.isRequired ?? true,
    };
    offset += item.data.length;
    return entry;
  });
  const region = new Uint8Array(Math.ceil(offset / MIB) * MIB);
  region.set(serializeMetadataTable(entries));
  items.forEach((item, i) => region.set(item.data, entries[i]!.offset));
  return region;
}
