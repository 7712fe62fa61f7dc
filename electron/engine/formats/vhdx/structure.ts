import { PlatterError, namingPath } from '../../errors';
import { BAT_ENTRY_SIZE, batGeometry, checkBat, createBat, decodeBatEntries } from './bat';
import type { BatGeometry, VhdxBat } from './bat';
import { DAMAGED, MIB } from './fields';
import { FILE_IDENTIFIER_SIZE, parseFileIdentifier } from './file-identifier';
import type { FileIdentifier } from './file-identifier';
import { NIL_GUID } from './guid';
import { HEADER_SECTION_SIZE } from './header-section';
import { HEADER_OFFSETS, HEADER_SIZE, checkHeaderFields, selectHeader } from './header';
import type { VhdxHeader } from './header';
import type { LogReplay } from './log';
import { knownItems, parseMetadata } from './metadata-items';
import type { VhdxMetadata } from './metadata-items';
import { METADATA_TABLE_SIZE, parseMetadataTable } from './metadata-table';
import { REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, selectRegions } from './region-table';
import type { RegionEntry } from './region-table';

/** What the structure reader needs of a file (RandomAccessFile has it, and so has a file read with its log replayed). */
export interface VhdxSource {
  readonly path: string;
  readonly size: number;
  /** The log replayed over the file's bytes (replayed-source.ts), when it held updates. */
  readonly replay?: LogReplay | null;
  readAt(position: number, length: number): Promise<Uint8Array>;
}

/** Everything read from a VHDX's header section, metadata and BAT, checked so that reads stay inside the file. */
export interface VhdxStructure {
  readonly identifier: FileIdentifier;
  readonly header: VhdxHeader;
  /** Which header copy is current: 0 at 64 KiB, 1 at 128 KiB. */
  readonly headerCopy: 0 | 1;
  readonly batRegion: RegionEntry;
  readonly metadataRegion: RegionEntry;
  readonly metadata: VhdxMetadata;
  readonly geometry: BatGeometry;
  readonly bat: VhdxBat;
  /** The log's updates, replayed in memory over the file (which still holds them only in its log); or null. */
  readonly replay: LogReplay | null;
  readonly warnings: readonly string[];
}

/** The BAT is read and decoded in pieces of this size, so a large table is never held twice. */
const BAT_READ_CHUNK = MIB;

export function readVhdxStructure(file: VhdxSource): Promise<VhdxStructure> {
  return namingPath(file.path, () => readStructure(file));
}

/** Everything but the BAT: what a look at a disk's identity or parent needs (the BAT may be many MiB). */
export type VhdxMetadataPart = Omit<VhdxStructure, 'geometry' | 'bat'>;

export function readVhdxMetadata(file: VhdxSource): Promise<VhdxMetadataPart> {
  return namingPath(file.path, () => readMetadataPart(file));
}

async function readStructure(file: VhdxSource): Promise<VhdxStructure> {
  const part = await readMetadataPart(file);
  const geometry = batGeometry(part.metadata);
  const bat = await readBat(file, part.batRegion, geometry);
  return { ...part, geometry, bat };
}

async function readMetadataPart(file: VhdxSource): Promise<VhdxMetadataPart> {
  if (file.size < HEADER_SECTION_SIZE) {
    throw new PlatterError('VHDX_BAD_HEADER', `the file is ${file.size} bytes, too small to be a VHDX image`, DAMAGED);
  }
  const identifier = parseFileIdentifier(await file.readAt(0, FILE_IDENTIFIER_SIZE));
  const current = selectHeader(
    await file.readAt(HEADER_OFFSETS[0], HEADER_SIZE),
    await file.readAt(HEADER_OFFSETS[1], HEADER_SIZE),
  );
  const header = current.header;
  checkHeaderFields(header, file.size);
  // A non-zero LogGuid means the log must be replayed before anything past it can be trusted (MS-VHDX 2.2.2).
  const replay = file.replay ?? null;
  if (header.logGuid !== NIL_GUID && !replay) {
    throw new PlatterError(
      'VHDX_LOG_NOT_EMPTY',
      `${file.path} has a log of updates that were never written into the disk (it was not closed cleanly, or is still attached)`,
      'run `platter check --repair` on it, which writes the log in, then try again',
      { path: file.path, logGuid: header.logGuid },
    );
  }
  const regions = selectRegions(
    await file.readAt(REGION_TABLE_OFFSETS[0], REGION_TABLE_SIZE),
    await file.readAt(REGION_TABLE_OFFSETS[1], REGION_TABLE_SIZE),
    file.size,
  );
  const metadataRegion = regions.metadata;
  if (metadataRegion.length < METADATA_TABLE_SIZE) {
    throw new PlatterError('VHDX_BAD_METADATA', 'the VHDX metadata region is smaller than its table', DAMAGED);
  }
  const table = parseMetadataTable(
    await file.readAt(metadataRegion.fileOffset, METADATA_TABLE_SIZE),
    metadataRegion.length,
  );
  const items = new Map<string, Uint8Array>();
  // Each item was checked to lie inside the region (itself inside the file) and to be at most 1 MiB.
  for (const entry of knownItems(table)) {
    items.set(entry.itemId, await file.readAt(metadataRegion.fileOffset + entry.offset, entry.length));
  }
  const metadata = parseMetadata(items);
  return {
    identifier,
    header,
    headerCopy: current.copy,
    batRegion: regions.bat,
    metadataRegion,
    metadata,
    replay,
    warnings: [...current.warnings, ...regions.warnings, ...(replay ? [replayWarning(replay)] : [])],
  };
}

function replayWarning(replay: LogReplay): string {
  const updates = replay.writes.length;
  if (updates === 0)
    return 'the VHDX header names a log, but the log holds no valid updates: there was nothing to replay';
  return `the VHDX log holds ${updates} update${updates === 1 ? '' : 's'} never written into the disk (it was not closed cleanly); they are read as applied, as Hyper-V and qemu-img apply them; \`platter check --repair\` writes them in`;
}

async function readBat(file: VhdxSource, region: RegionEntry, geometry: BatGeometry): Promise<VhdxBat> {
  const bytes = geometry.totalEntries * BAT_ENTRY_SIZE;
  if (bytes > region.length) {
    throw new PlatterError(
      'VHDX_BAT_OUT_OF_RANGE',
      `the VHDX BAT region holds ${region.length / BAT_ENTRY_SIZE} entries but the disk needs ${geometry.totalEntries}`,
      DAMAGED,
      { offset: region.fileOffset },
    );
  }
  // The region lies inside the file (checked with the region table), so these arrays are bounded by its size.
  const bat = createBat(geometry);
  for (let done = 0; done < bytes; done += BAT_READ_CHUNK) {
    const piece = await file.readAt(region.fileOffset + done, Math.min(BAT_READ_CHUNK, bytes - done));
    decodeBatEntries(bat, geometry, piece, done / BAT_ENTRY_SIZE, file.size);
  }
  checkBat(bat, geometry);
  return bat;
}
