import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { crc32c } from '../../../electron/engine/formats/vhdx/crc32c';
import {
  REGION_GUID,
  REGION_TABLE_SIZE,
  parseRegionTable,
  selectRegions,
  serializeRegionTable,
} from '../../../electron/engine/formats/vhdx/region-table';
import type { RegionEntry } from '../../../electron/engine/formats/vhdx/region-table';

const MIB = 1024 * 1024;
const bat: RegionEntry = { guid: REGION_GUID.bat, fileOffset: 3 * MIB, length: MIB, required: true };
const metadata: RegionEntry = { guid: REGION_GUID.metadata, fileOffset: 2 * MIB, length: MIB, required: true };
const table = serializeRegionTable({ entries: [bat, metadata] });
const fileSize = 8 * MIB;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPlatterError(err) ? err.code : String(err);
  }
  return undefined;
}

/** Edits a serialized table and fixes its checksum, so only the edit is wrong. */
function edited(edit: (dv: DataView) => void): Uint8Array {
  const bytes = table.slice();
  const dv = new DataView(bytes.buffer);
  edit(dv);
  dv.setUint32(4, 0, true);
  dv.setUint32(4, crc32c(bytes), true);
  return bytes;
}

describe('VHDX region table', () => {
  it('round-trips its entries', () => {
    expect(table.length).toBe(REGION_TABLE_SIZE);
    expect(parseRegionTable(table)).toEqual({ entries: [bat, metadata] });
  });

  it('reads the entries Hyper-V writes', () => {
    expect(selectRegions(table, table, fileSize)).toEqual({ bat, metadata, warnings: [] });
  });

  it('refuses a bad signature, a bad checksum and too many entries', () => {
    expect(() => parseRegionTable(edited((dv) => dv.setUint32(0, 0x69676571, true)))).toThrow(/"regi"/);
    const corrupt = table.slice();
    corrupt[60000] = 1;
    expect(() => parseRegionTable(corrupt)).toThrow(/checksum/);
    expect(() => parseRegionTable(edited((dv) => dv.setUint32(8, 2048, true)))).toThrow(/2047/);
    expect(code(() => parseRegionTable(new Uint8Array(100)))).toBe('VHDX_BAD_HEADER');
  });

  it('refuses regions off a 1 MiB boundary, inside the header section, or listed twice', () => {
    expect(() => parseRegionTable(edited((dv) => dv.setBigUint64(32, BigInt(3 * MIB + 512), true)))).toThrow(/1 MiB/);
    expect(() => parseRegionTable(edited((dv) => dv.setBigUint64(32, 0n, true)))).toThrow(/1 MiB/);
    expect(() => parseRegionTable(edited((dv) => dv.setUint32(40, 4096, true)))).toThrow(/1 MiB/);
    expect(() => parseRegionTable(edited((dv) => dv.setBigUint64(32, 1n << 60n, true)))).toThrow(/1 MiB/);
    const twice = serializeRegionTable({ entries: [bat, { ...bat, fileOffset: 5 * MIB }] });
    expect(() => parseRegionTable(twice)).toThrow(/twice/);
  });

  it('uses the second copy when the first is damaged, and fails when both are', () => {
    const corrupt = table.slice();
    corrupt[20] = 0xff - corrupt[20]!;
    const picked = selectRegions(corrupt, table, fileSize);
    expect(picked.bat).toEqual(bat);
    expect(picked.warnings[0]).toMatch(/192 KiB is damaged/);
    expect(selectRegions(table, corrupt, fileSize).warnings[0]).toMatch(/256 KiB is damaged/);
    expect(code(() => selectRegions(corrupt, corrupt, fileSize))).toBe('VHDX_BAD_HEADER');
  });

  it('refuses an unknown required region but ignores an optional one', () => {
    const unknown = { guid: '01234567-89ab-cdef-0123-456789abcdef', fileOffset: 4 * MIB, length: MIB, required: false };
    const optional = serializeRegionTable({ entries: [bat, metadata, unknown] });
    expect(selectRegions(optional, optional, fileSize).bat).toEqual(bat);
    const required = serializeRegionTable({ entries: [bat, metadata, { ...unknown, required: true }] });
    expect(code(() => selectRegions(required, required, fileSize))).toBe('UNSUPPORTED');
  });

  it('refuses regions past the end of the file, overlapping, or missing', () => {
    expect(() => selectRegions(table, table, 3 * MIB + 4096)).toThrow(/past the file end/);
    const overlap = serializeRegionTable({ entries: [bat, { ...metadata, fileOffset: 3 * MIB }] });
    expect(() => selectRegions(overlap, overlap, fileSize)).toThrow(/overlap/);
    const noBat = serializeRegionTable({ entries: [metadata] });
    expect(() => selectRegions(noBat, noBat, fileSize)).toThrow(/no block allocation table/);
    const noMetadata = serializeRegionTable({ entries: [bat] });
    expect(() => selectRegions(noMetadata, noMetadata, fileSize)).toThrow(/no metadata region/);
  });
});
