// Changing a VHDX in place the way the specification orders it (MS-VHDX 2.3): the updates are written as one log
// entry and flushed before any of them reaches its place, so a crash at any moment leaves a file that Hyper-V,
// qemu-img (check -r all) and Platter replay to the new state, or one that reads as the old state. The header
// names a fresh log GUID first, so no older entry left in the log can ever be replayed with it.
import { PlatterError } from '../../errors';
import { NIL_GUID, randomGuid } from './guid';
import { pendingLog, replayLogIntoFile } from './repair-log';
import { HEADER_OFFSETS, HEADER_SIZE, selectHeader, serializeHeader } from './header';
import type { VhdxHeader } from './header';
import { LOG_SECTOR, serializeLogEntry } from './log';
import type { LogWrite } from './log';
import type { RandomAccessFile } from '../../io/random-access-file';

export interface LoggedChange {
  /** Whole 4 KiB pages with their new bytes, or 4 KiB-aligned runs to zero. */
  readonly writes: readonly LogWrite[];
  /** The file's length afterwards (the log carries it); the current length when not given. */
  readonly fileSize?: number;
  /** The disk's content changes (a resize): a new DataWriteGuid, as the specification asks. */
  readonly dataChanged: boolean;
}

async function currentHeader(file: RandomAccessFile) {
  return selectHeader(
    await file.readAt(HEADER_OFFSETS[0], HEADER_SIZE),
    await file.readAt(HEADER_OFFSETS[1], HEADER_SIZE),
  );
}

/** Writes a header to the copy that is not current, with the next sequence number, and flushes it. */
async function writeNextHeader(file: RandomAccessFile, header: VhdxHeader, copy: 0 | 1): Promise<0 | 1> {
  const other = copy === 0 ? 1 : 0;
  await file.write(serializeHeader({ ...header, sequenceNumber: header.sequenceNumber + 1n }), HEADER_OFFSETS[other]);
  await file.sync();
  return other;
}

/**
 * Applies `change` to `file` (opened for writing and claimed) through the VHDX log. A log left by an earlier
 * change that was cut short is written in first, as Hyper-V does when it opens a disk for writing: the change was
 * planned on the disk as that replay leaves it.
 */
export async function changeThroughLog(file: RandomAccessFile, change: LoggedChange): Promise<void> {
  const pending = await pendingLog(file);
  if (pending) await replayLogIntoFile(file, pending);
  const { header, copy } = await currentHeader(file);
  const logGuid = randomGuid();
  const fileSize = change.fileSize ?? file.size;
  const entry = serializeLogEntry({
    sequenceNumber: header.sequenceNumber + 1n,
    tail: 0,
    logGuid,
    flushedFileOffset: file.size,
    lastFileOffset: fileSize,
    writes: change.writes,
  });
  if (entry.length > header.logLength) {
    throw new PlatterError(
      'UNSUPPORTED',
      `the change to ${file.path} needs ${entry.length} bytes of log, more than its ${header.logLength}`,
      'convert the disk to a new VHDX of the size you need instead',
      { path: file.path },
    );
  }
  // 1. The header names the new log (and a new FileWriteGuid: the file is being written).
  const dirty = {
    ...header,
    logGuid,
    fileWriteGuid: randomGuid(),
    dataWriteGuid: change.dataChanged ? randomGuid() : header.dataWriteGuid,
  };
  const named = await writeNextHeader(file, dirty, copy);
  // 2. The entry, flushed: from here on a replay gives the new state.
  await file.write(entry, header.logOffset);
  await file.sync();
  // 3. The updates in their places.
  const zeros = new Uint8Array(LOG_SECTOR * 16);
  for (const write of change.writes) {
    if ('data' in write) {
      await file.write(write.data, write.offset);
      continue;
    }
    for (let done = 0; done < write.zeroLength; done += zeros.length)
      await file.write(zeros.subarray(0, Math.min(zeros.length, write.zeroLength - done)), write.offset + done);
  }
  if (fileSize !== file.size) await file.truncate(fileSize);
  await file.sync();
  // 4. The log is empty again.
  await writeNextHeader(file, { ...dirty, sequenceNumber: dirty.sequenceNumber + 1n, logGuid: NIL_GUID }, named);
}

/**
 * The log writes that set bytes [start, start + bytes.length) of the file: whole pages as data, read around the
 * range's edges from `file` so the rest of each page is kept; whole pages that become zero as zero runs.
 */
export async function pageWrites(file: RandomAccessFile, start: number, bytes: Uint8Array): Promise<LogWrite[]> {
  if (bytes.length === 0) return [];
  const first = Math.floor(start / LOG_SECTOR) * LOG_SECTOR;
  const end = Math.ceil((start + bytes.length) / LOG_SECTOR) * LOG_SECTOR;
  const pages = new Uint8Array(end - first);
  const inFile = Math.max(0, Math.min(end, file.size) - first);
  if (inFile > 0) pages.set(await file.readAt(first, inFile));
  pages.set(bytes, start - first);
  const writes: LogWrite[] = [];
  for (let at = 0; at < pages.length; at += LOG_SECTOR) {
    const page = pages.subarray(at, at + LOG_SECTOR);
    const last = writes[writes.length - 1];
    if (page.every((b) => b === 0)) {
      if (last && 'zeroLength' in last && last.offset + last.zeroLength === first + at)
        writes[writes.length - 1] = { offset: last.offset, zeroLength: last.zeroLength + LOG_SECTOR };
      else writes.push({ offset: first + at, zeroLength: LOG_SECTOR });
    } else {
      writes.push({ offset: first + at, data: page.slice() });
    }
  }
  return writes;
}

/** One change of the file's bytes: `bytes` at `offset`. */
export interface ByteEdit {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

/**
 * The log writes that make several edits at once, in order (a later edit wins where two overlap): each 4 KiB page
 * any of them touches is read once, every edit applied to it, and written whole if it changed (a page that
 * becomes zero as a zero run). Pages two edits share are then one write, never two that undo each other.
 */
export async function editWrites(file: RandomAccessFile, edits: readonly ByteEdit[]): Promise<LogWrite[]> {
  const pages = new Map<number, { before: Uint8Array; after: Uint8Array }>();
  for (const { offset, bytes } of edits) {
    for (let page = Math.floor(offset / LOG_SECTOR); page * LOG_SECTOR < offset + bytes.length; page++) {
      if (pages.has(page)) continue;
      const at = page * LOG_SECTOR;
      const before = new Uint8Array(LOG_SECTOR);
      const inFile = Math.max(0, Math.min(LOG_SECTOR, file.size - at));
      if (inFile > 0) before.set(await file.readAt(at, inFile));
      pages.set(page, { before, after: before.slice() });
    }
    for (let page = Math.floor(offset / LOG_SECTOR); page * LOG_SECTOR < offset + bytes.length; page++) {
      const at = page * LOG_SECTOR;
      const from = Math.max(offset, at);
      const to = Math.min(offset + bytes.length, at + LOG_SECTOR);
      pages.get(page)!.after.set(bytes.subarray(from - offset, to - offset), from - at);
    }
  }
  const writes: LogWrite[] = [];
  for (const page of [...pages.keys()].sort((x, y) => x - y)) {
    const { before, after } = pages.get(page)!;
    if (Buffer.from(before).equals(after)) continue;
    const offset = page * LOG_SECTOR;
    const last = writes[writes.length - 1];
    if (!after.every((b) => b === 0)) writes.push({ offset, data: after });
    else if (last && 'zeroLength' in last && last.offset + last.zeroLength === offset)
      writes[writes.length - 1] = { offset: last.offset, zeroLength: last.zeroLength + LOG_SECTOR };
    else writes.push({ offset, zeroLength: LOG_SECTOR });
  }
  return writes;
}

/** The log writes that zero bytes [start, start + length): whole pages as zero runs, the edges as data pages. */
export async function zeroWrites(file: RandomAccessFile, start: number, length: number): Promise<LogWrite[]> {
  const end = start + length;
  const inner = Math.ceil(start / LOG_SECTOR) * LOG_SECTOR;
  const innerEnd = Math.floor(end / LOG_SECTOR) * LOG_SECTOR;
  if (inner >= innerEnd) return pageWrites(file, start, new Uint8Array(length));
  return [
    ...(await pageWrites(file, start, new Uint8Array(inner - start))),
    { offset: inner, zeroLength: innerEnd - inner },
    ...(await pageWrites(file, innerEnd, new Uint8Array(end - innerEnd))),
  ];
}
