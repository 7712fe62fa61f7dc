// Structural check of a VHDX through the format/vhdx parsers: each header and region table copy on its own, then
// the metadata and the BAT, then whether any two allocated blocks or structures share bytes, then the parent.
import { isPlatterError } from '../../errors';
import { BITMAP_STATE, PAYLOAD_STATE } from './bat';
import { MIB } from './fields';
import { HEADER_SECTION_SIZE } from './header-section';
import { HEADER_OFFSETS, HEADER_SIZE, checkHeaderFields, parseHeader, selectHeader } from './header';
import { REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, parseRegionTable } from './region-table';
import { withLogReplayed } from './replayed-source';
import { readVhdxStructure } from './structure';
import type { VhdxStructure } from './structure';
import type { RandomAccessFile } from '../../io/random-access-file';
import { findVhdxParent } from './vhdx-image';
import type { AddProblem } from '../../ops/check-problems';

const LISTED_OVERLAPS = 100;

export async function checkVhdx(file: RandomAccessFile, add: AddProblem): Promise<void> {
  if (file.size < HEADER_SECTION_SIZE) {
    add('VHDX_BAD_HEADER', 'error', 0, `the file is ${file.size} bytes, too small to hold the VHDX header section`);
    return;
  }
  const copies = async (offsets: readonly number[], size: number) =>
    Promise.all(offsets.map((o) => file.readAt(o, size)));
  const headers = await copies(HEADER_OFFSETS, HEADER_SIZE);
  if (!checkCopies(headers, parseHeader, HEADER_OFFSETS, 'VHDX_HEADER_COPY', 'header', add)) return;
  try {
    const current = selectHeader(headers[0]!, headers[1]!);
    checkHeaderFields(current.header, file.size);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', null, err.message);
    return;
  }
  const tables = await copies(REGION_TABLE_OFFSETS, REGION_TABLE_SIZE);
  if (!checkCopies(tables, parseRegionTable, REGION_TABLE_OFFSETS, 'VHDX_REGION_TABLE_COPY', 'region table', add))
    return;
  let structure: VhdxStructure;
  try {
    structure = await readVhdxStructure(await withLogReplayed(file));
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', typeof err.details.offset === 'number' ? err.details.offset : null, err.message);
    return;
  }
  if (structure.replay?.writes.length) {
    const updates = structure.replay.writes.length;
    const message = `the log holds ${updates} update${updates === 1 ? '' : 's'} never written into the disk (it was not closed cleanly); readers that replay the log see them, and \`platter check --repair\` writes them in`;
    add('VHDX_LOG_NOT_EMPTY', 'error', structure.header.logOffset, message);
  }
  checkPlacement(structure, add);
  const locator = structure.metadata.parentLocator;
  if (structure.metadata.hasParent && locator) {
    try {
      await findVhdxParent(file.path, locator);
    } catch (err) {
      if (!isPlatterError(err)) throw err;
      add(err.code, 'error', null, err.message);
    }
  }
}

/** Both copies damaged is an error that stops the check; one damaged copy is a warning. */
function checkCopies(
  copies: Uint8Array[],
  parse: (bytes: Uint8Array) => unknown,
  offsets: readonly number[],
  code: string,
  what: string,
  add: AddProblem,
): boolean {
  const errors = copies.map((bytes) => {
    try {
      parse(bytes);
      return null;
    } catch (err) {
      if (!isPlatterError(err)) throw err;
      return err.message;
    }
  });
  if (errors.every((e) => e !== null)) {
    add('VHDX_BAD_HEADER', 'error', offsets[0]!, `neither VHDX ${what} copy is valid: ${errors.join('; ')}`);
    return false;
  }
  errors.forEach((e, i) => {
    if (e !== null)
      add(code, 'warning', offsets[i]!, `the VHDX ${what} copy at ${offsets[i]! / 1024} KiB is damaged: ${e}`);
  });
  return true;
}

/** No two of: the header section, the log, the BAT and metadata regions, each allocated block, may share a byte. */
function checkPlacement(s: VhdxStructure, add: AddProblem): void {
  const extents: { start: number; end: number; what: string }[] = [
    { start: 0, end: HEADER_SECTION_SIZE, what: 'the header section' },
    { start: s.batRegion.fileOffset, end: s.batRegion.fileOffset + s.batRegion.length, what: 'the BAT region' },
    {
      start: s.metadataRegion.fileOffset,
      end: s.metadataRegion.fileOffset + s.metadataRegion.length,
      what: 'the metadata region',
    },
  ];
  if (s.header.logLength > 0)
    extents.push({ start: s.header.logOffset, end: s.header.logOffset + s.header.logLength, what: 'the log' });
  const { blockSize, virtualSize } = s.metadata;
  for (let block = 0; block < s.geometry.payloadBlocks; block++) {
    const state = s.bat.payloadState[block];
    if (state !== PAYLOAD_STATE.fullyPresent && state !== PAYLOAD_STATE.partiallyPresent) continue;
    const start = s.bat.payloadOffsetMiB[block]! * MIB;
    extents.push({ start, end: start + Math.min(blockSize, virtualSize - block * blockSize), what: `block ${block}` });
  }
  for (let chunk = 0; chunk < s.geometry.bitmapBlocks; chunk++) {
    if (s.bat.bitmapState[chunk] !== BITMAP_STATE.present) continue;
    const start = s.bat.bitmapOffsetMiB[chunk]! * MIB;
    extents.push({ start, end: start + MIB, what: `the sector bitmap of chunk ${chunk}` });
  }
  extents.sort((a, b) => a.start - b.start);
  let listed = 0;
  let reach = extents[0]!;
  for (const e of extents.slice(1)) {
    if (e.start < reach.end && listed++ < LISTED_OVERLAPS)
      add('VHDX_BAT_OVERLAP', 'error', e.start, `${e.what} at offset ${e.start} overlaps ${reach.what}`);
    if (e.end > reach.end) reach = e;
  }
  if (listed > LISTED_OVERLAPS)
    add('VHDX_BAT_OVERLAP', 'error', null, `${listed - LISTED_OVERLAPS} more overlaps (not listed)`);
}
