import { PlatterError } from '../../errors';
import { crc32cWithZeroedField } from './crc32c';
import { DAMAGED, KIB, MIB, fourCC, leView, putAscii, u64le } from './fields';
import { readGuid, writeGuid } from './guid';

/** The two region table copies; they hold the same entries. */
export const REGION_TABLE_OFFSETS = [192 * KIB, 256 * KIB] as const;
export const REGION_TABLE_SIZE = 64 * KIB;
export const MAX_REGION_ENTRIES = 2047;
const SIGNATURE = 'regi';
const CHECKSUM_OFFSET = 4;
const ENTRY_SIZE = 32;

export const REGION_GUID = {
  bat: '2dc27766-f623-4200-9d64-115e9bfd4a08',
  metadata: '8b7ca206-4790-4b9a-b8fe-575f050f886e',
} as const;

export interface RegionEntry {
  readonly guid: string;
  readonly fileOffset: number;
  readonly length: number;
  /** A reader that does not know a required region must refuse the file. */
  readonly required: boolean;
}

export interface RegionTable {
  readonly entries: readonly RegionEntry[];
}

function bad(message: string): PlatterError {
  return new PlatterError('VHDX_BAD_HEADER', message, DAMAGED);
}

/** Parses one region table copy: signature, CRC-32C over 64 KiB, and each entry's placement. */
export function parseRegionTable(bytes: Uint8Array): RegionTable {
  if (bytes.length < REGION_TABLE_SIZE) throw bad(`a VHDX region table is 64 KiB, not ${bytes.length} bytes`);
  const table = bytes.subarray(0, REGION_TABLE_SIZE);
  if (fourCC(table, 0) !== SIGNATURE) throw bad('the VHDX region table has no "regi" signature');
  const dv = leView(table);
  const stored = dv.getUint32(CHECKSUM_OFFSET, true);
  if (stored !== crc32cWithZeroedField(table, CHECKSUM_OFFSET)) {
    throw bad('the VHDX region table checksum does not match its contents');
  }
  const count = dv.getUint32(8, true);
  if (count > MAX_REGION_ENTRIES) throw bad(`the VHDX region table claims ${count} entries; at most 2047 fit`);
  const entries: RegionEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * ENTRY_SIZE;
    const guid = readGuid(table, at);
    const fileOffset = u64le(dv, at + 16);
    const length = dv.getUint32(at + 24, true);
    if (fileOffset === null || fileOffset < MIB || fileOffset % MIB !== 0 || length % MIB !== 0) {
      throw bad(`the VHDX region ${guid} is not placed on a 1 MiB boundary after the header section`);
    }
    if (entries.some((e) => e.guid === guid)) throw bad(`the VHDX region table lists region ${guid} twice`);
    entries.push({ guid, fileOffset, length, required: (dv.getUint32(at + 28, true) & 1) === 1 });
  }
  return { entries };
}

export function serializeRegionTable(table: RegionTable): Uint8Array {
  const bytes = new Uint8Array(REGION_TABLE_SIZE);
  const dv = leView(bytes);
  putAscii(bytes, 0, SIGNATURE);
  dv.setUint32(8, table.entries.length, true);
  table.entries.forEach((entry, i) => {
    const at = 16 + i * ENTRY_SIZE;
    writeGuid(bytes, at, entry.guid);
    dv.setBigUint64(at + 16, BigInt(entry.fileOffset), true);
    dv.setUint32(at + 24, entry.length, true);
    dv.setUint32(at + 28, entry.required ? 1 : 0, true);
  });
  dv.setUint32(CHECKSUM_OFFSET, crc32cWithZeroedField(bytes, CHECKSUM_OFFSET), true);
  return bytes;
}

export interface VhdxRegions {
  readonly bat: RegionEntry;
  readonly metadata: RegionEntry;
  readonly warnings: readonly string[];
}

/**
 * Picks a valid region table copy (the first, else the second), checks the regions lie inside the file and do not
 * overlap, and returns the BAT and metadata regions. Unknown required regions make the file unreadable.
 */
export function selectRegions(first: Uint8Array, second: Uint8Array, fileSize: number): VhdxRegions {
  const warnings: string[] = [];
  let table: RegionTable;
  try {
    table = parseRegionTable(first);
    try {
      parseRegionTable(second);
    } catch (err) {
      warnings.push(`the VHDX region table copy at 256 KiB is damaged (${(err as Error).message})`);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    try {
      table = parseRegionTable(second);
    } catch (err2) {
      throw bad(`neither VHDX region table is valid: at 192 KiB ${reason}; at 256 KiB ${(err2 as Error).message}`);
    }
    warnings.push(`the VHDX region table at 192 KiB is damaged (${reason}); using the copy at 256 KiB`);
  }
  const known = new Set<string>(Object.values(REGION_GUID));
  for (const entry of table.entries) {
    if (entry.required && !known.has(entry.guid)) {
      throw new PlatterError(
        'UNSUPPORTED',
        `the VHDX image needs a region ${entry.guid} that Platter does not understand`,
        'open it with Hyper-V or Windows, which may know this newer region',
      );
    }
    if (entry.fileOffset + entry.length > fileSize) {
      throw bad(`the VHDX region ${entry.guid} at ${entry.fileOffset} (${entry.length} bytes) runs past the file end`);
    }
  }
  const sorted = [...table.entries].sort((x, y) => x.fileOffset - y.fileOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (prev.fileOffset + prev.length > sorted[i]!.fileOffset) {
      throw bad(`the VHDX regions ${prev.guid} and ${sorted[i]!.guid} overlap`);
    }
  }
  const bat = table.entries.find((e) => e.guid === REGION_GUID.bat);
  const metadata = table.entries.find((e) => e.guid === REGION_GUID.metadata);
  if (!bat || bat.length === 0) throw bad('the VHDX region table has no block allocation table (BAT) region');
  if (!metadata || metadata.length === 0) throw bad('the VHDX region table has no metadata region');
  return { bat, metadata, warnings };
}
