import { MIB } from './fields';
import { serializeFileIdentifier } from './file-identifier';
import type { FileIdentifier } from './file-identifier';
import { HEADER_OFFSETS, serializeHeader } from './header';
import type { VhdxHeader } from './header';
import { REGION_TABLE_OFFSETS, serializeRegionTable } from './region-table';
import type { RegionTable } from './region-table';

/** The first 1 MiB of every VHDX: file identifier, two headers, two region tables, each in its own 64 KiB. */
export const HEADER_SECTION_SIZE = MIB;

/** The header section with both header copies and both region table copies identical, as after a clean close. */
export function serializeHeaderSection(
  identifier: FileIdentifier,
  header: VhdxHeader,
  regions: RegionTable,
): Uint8Array {
  const bytes = new Uint8Array(HEADER_SECTION_SIZE);
  bytes.set(serializeFileIdentifier(identifier), 0);
  const headerBytes = serializeHeader(header);
  for (const offset of HEADER_OFFSETS) bytes.set(headerBytes, offset);
  const tableBytes = serializeRegionTable(regions);
  for (const offset of REGION_TABLE_OFFSETS) bytes.set(tableBytes, offset);
  return bytes;
}
