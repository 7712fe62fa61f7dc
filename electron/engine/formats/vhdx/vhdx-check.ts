// Structural check of a VHDX through the format/vhdx parsers: each header and region table copy on its own, then
// the metadata, then every fault of the BAT (bat-faults.ts: blocks out of the file or sharing bytes), then the
// parent.
import { isPlatterError } from '../../errors';
import { scanVhdxBat } from './bat-faults';
import { HEADER_SECTION_SIZE } from './header-section';
import { HEADER_OFFSETS, HEADER_SIZE, checkHeaderFields, parseHeader, selectHeader } from './header';
import { REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, parseRegionTable } from './region-table';
import { withLogReplayed } from './replayed-source';
import { readVhdxMetadata } from './structure';
import type { VhdxMetadataPart, VhdxSource } from './structure';
import type { RandomAccessFile } from '../../io/random-access-file';
import { findVhdxParent } from './vhdx-image';
import type { AddProblem } from '../../ops/check-problems';

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
  let part: VhdxMetadataPart;
  let view: VhdxSource;
  try {
    view = await withLogReplayed(file);
    part = await readVhdxMetadata(view);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', typeof err.details.offset === 'number' ? err.details.offset : null, err.message);
    return;
  }
  if (part.replay?.writes.length) {
    const updates = part.replay.writes.length;
    const message = `the log holds ${updates} update${updates === 1 ? '' : 's'} never written into the disk (it was not closed cleanly); readers that replay the log see them, and \`platter check --repair\` writes them in`;
    add('VHDX_LOG_NOT_EMPTY', 'error', part.header.logOffset, message);
  }
  const scan = await scanVhdxBat(view, part);
  for (const fault of [...scan.faults, ...scan.unfixable]) add(fault.code, 'error', fault.offset, fault.message);
  if (scan.unlisted > 0) add('VHDX_BAT_OVERLAP', 'error', null, `${scan.unlisted} more faults in the BAT (not listed)`);
  const locator = part.metadata.parentLocator;
  if (part.metadata.hasParent && locator) {
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
