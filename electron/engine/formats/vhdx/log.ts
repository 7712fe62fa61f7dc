// The VHDX log (MS-VHDX 2.3): a circular buffer of entries, each a header, descriptors and data sectors, that
// carries metadata and BAT updates to the file. A header whose LogGuid is set says the active sequence of entries
// may not have reached the file yet: it must be replayed, in order, before anything past the header is trusted.
import { PlatterError } from '../../errors';
import { crc32cWithZeroedField } from './crc32c';
import { DAMAGED, KIB, fourCC, leView, putAscii, u64le } from './fields';
import { readGuid, writeGuid } from './guid';
import type { VhdxHeader } from './header';

/** Log entries, descriptor areas and data sectors come in units of 4 KiB. */
export const LOG_SECTOR = 4 * KIB;
const ENTRY_HEADER_SIZE = 64;
const DESCRIPTOR_SIZE = 32;
/** The bytes of a data sector that hold the update; the other 12 travel in its descriptor. */
const DATA_PAYLOAD = 4084;

/** One update the log carries to the file: 4 KiB of data, or a run of zeros, at a file offset. */
export type LogWrite =
  { readonly offset: number; readonly data: Uint8Array } | { readonly offset: number; readonly zeroLength: number };

export interface LogEntry {
  readonly sequenceNumber: bigint;
  /** Byte offset, within the log, of the first entry of the sequence this one closes. */
  readonly tail: number;
  readonly entryLength: number;
  readonly logGuid: string;
  /** The file must be at least this long before replay (else updates it relied on were lost). */
  readonly flushedFileOffset: number;
  /** The file's length once this entry is applied. */
  readonly lastFileOffset: number;
  readonly writes: readonly LogWrite[];
}

/** The updates to apply, in order, and the file length they leave. */
export interface LogReplay {
  readonly entries: readonly LogEntry[];
  readonly writes: readonly LogWrite[];
  readonly flushedFileOffset: number;
  readonly lastFileOffset: number;
}

function u64(dv: DataView, offset: number): number {
  return u64le(dv, offset) ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Parses the log entry at the start of `bytes` (as many bytes as fit from there), or returns null when it is not a
 * valid entry of the log `logGuid`: signature, length, checksum, and each data sector's own sequence number.
 */
export function parseLogEntry(bytes: Uint8Array, logGuid: string): LogEntry | null {
  if (bytes.length < LOG_SECTOR || fourCC(bytes, 0) !== 'loge') return null;
  const dv = leView(bytes);
  const entryLength = dv.getUint32(8, true);
  if (entryLength < LOG_SECTOR || entryLength % LOG_SECTOR !== 0 || entryLength > bytes.length) return null;
  const entry = bytes.subarray(0, entryLength);
  if (dv.getUint32(4, true) !== crc32cWithZeroedField(entry, 4)) return null;
  if (readGuid(entry, 32) !== logGuid) return null;
  const sequenceNumber = dv.getBigUint64(16, true);
  const count = dv.getUint32(24, true);
  const descriptorSectors = Math.ceil((ENTRY_HEADER_SIZE + count * DESCRIPTOR_SIZE) / LOG_SECTOR);
  if (descriptorSectors * LOG_SECTOR > entryLength) return null;
  const writes: LogWrite[] = [];
  let dataSector = descriptorSectors;
  for (let i = 0; i < count; i++) {
    const at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE;
    if (dv.getBigUint64(at + 24, true) !== sequenceNumber) return null;
    const offset = u64(dv, at + 16);
    const kind = fourCC(entry, at);
    if (kind === 'zero') {
      const zeroLength = u64(dv, at + 8);
      if (zeroLength % LOG_SECTOR !== 0 || offset % LOG_SECTOR !== 0) return null;
      writes.push({ offset, zeroLength });
    } else if (kind === 'desc') {
      const start = dataSector++ * LOG_SECTOR;
      if (start + LOG_SECTOR > entryLength || offset % LOG_SECTOR !== 0) return null;
      const sector = entry.subarray(start, start + LOG_SECTOR);
      const sdv = leView(sector);
      const high = BigInt(sdv.getUint32(4, true));
      const low = BigInt(sdv.getUint32(LOG_SECTOR - 4, true));
      if (fourCC(sector, 0) !== 'data' || ((high << 32n) | low) !== sequenceNumber) return null;
      const data = new Uint8Array(LOG_SECTOR);
      data.set(entry.subarray(at + 8, at + 16), 0); // leading bytes
      data.set(sector.subarray(8, 8 + DATA_PAYLOAD), 8);
      data.set(entry.subarray(at + 4, at + 8), LOG_SECTOR - 4); // trailing bytes
      writes.push({ offset, data });
    } else {
      return null;
    }
  }
  return {
    sequenceNumber,
    tail: dv.getUint32(12, true),
    entryLength,
    logGuid,
    flushedFileOffset: u64(dv, 48),
    lastFileOffset: u64(dv, 56),
    writes,
  };
}

/**
 * The active sequence of a log (its bytes in `log`): of the runs of valid entries with consecutive sequence
 * numbers whose last entry's tail points back at the run's first, the one that ends highest. Null when none.
 */
export function findActiveSequence(log: Uint8Array, logGuid: string): LogReplay | null {
  const length = log.length;
  // The log is circular: an entry may run past its end and continue at its start.
  const circular = new Uint8Array(length * 2);
  circular.set(log, 0);
  circular.set(log, length);
  // Each offset is parsed once, however many runs pass it (a hostile log of small entries stays linear).
  const parsed = new Map<number, LogEntry | null>();
  const entryAt = (at: number) => {
    if (!parsed.has(at)) parsed.set(at, parseLogEntry(circular.subarray(at, at + length), logGuid));
    return parsed.get(at)!;
  };
  let best: LogEntry[] | null = null;
  for (let start = 0; start < length; start += LOG_SECTOR) {
    const run: LogEntry[] = [];
    let at = start;
    let used = 0;
    while (used < length) {
      const entry = entryAt(at);
      const previous = run[run.length - 1];
      if (!entry || (previous && entry.sequenceNumber !== previous.sequenceNumber + 1n)) break;
      run.push(entry);
      used += entry.entryLength;
      at = (at + entry.entryLength) % length;
    }
    const last = run[run.length - 1];
    if (!last || last.tail !== start) continue;
    if (!best || last.sequenceNumber > best[best.length - 1]!.sequenceNumber) best = run;
  }
  if (!best) return null;
  const last = best[best.length - 1]!;
  return {
    entries: best,
    writes: best.flatMap((e) => e.writes),
    flushedFileOffset: last.flushedFileOffset,
    lastFileOffset: last.lastFileOffset,
  };
}

/** No valid sequence in a log whose header names it: there is nothing to replay (MS-VHDX 2.3.3, and qemu). */
export const NOTHING_TO_REPLAY: LogReplay = { entries: [], writes: [], flushedFileOffset: 0, lastFileOffset: 0 };

/** Checks the log the header names and returns the updates its active sequence makes (none when it has none). */
export function replayFor(header: VhdxHeader, log: Uint8Array, fileSize: number): LogReplay {
  const replay = findActiveSequence(log, header.logGuid) ?? NOTHING_TO_REPLAY;
  if (fileSize < replay.flushedFileOffset) {
    throw new PlatterError(
      'VHDX_LOG_INVALID',
      `the VHDX log relies on the file being at least ${replay.flushedFileOffset} bytes long, but it is ${fileSize}: the file was cut short`,
      DAMAGED,
      { offset: header.logOffset },
    );
  }
  for (const write of replay.writes) {
    const end = write.offset + ('data' in write ? write.data.length : write.zeroLength);
    if (!Number.isSafeInteger(end) || end > Math.max(fileSize, replay.lastFileOffset)) {
      throw new PlatterError(
        'VHDX_LOG_INVALID',
        `the VHDX log writes at ${write.offset}, past the end of the file it describes`,
        DAMAGED,
        { offset: header.logOffset },
      );
    }
  }
  return replay;
}

/** One log entry as Platter writes it: `writes` of 4 KiB data (zero runs for the rest), closing at `tail`. */
export function serializeLogEntry(entry: Omit<LogEntry, 'entryLength'>): Uint8Array {
  const data = entry.writes.filter((w): w is { offset: number; data: Uint8Array } => 'data' in w);
  const descriptorSectors = Math.ceil((ENTRY_HEADER_SIZE + entry.writes.length * DESCRIPTOR_SIZE) / LOG_SECTOR);
  const entryLength = (descriptorSectors + data.length) * LOG_SECTOR;
  const bytes = new Uint8Array(entryLength);
  const dv = leView(bytes);
  putAscii(bytes, 0, 'loge');
  dv.setUint32(8, entryLength, true);
  dv.setUint32(12, entry.tail, true);
  dv.setBigUint64(16, entry.sequenceNumber, true);
  dv.setUint32(24, entry.writes.length, true);
  writeGuid(bytes, 32, entry.logGuid);
  dv.setBigUint64(48, BigInt(entry.flushedFileOffset), true);
  dv.setBigUint64(56, BigInt(entry.lastFileOffset), true);
  let dataSector = descriptorSectors;
  entry.writes.forEach((write, i) => {
    const at = ENTRY_HEADER_SIZE + i * DESCRIPTOR_SIZE;
    dv.setBigUint64(at + 16, BigInt(write.offset), true);
    dv.setBigUint64(at + 24, entry.sequenceNumber, true);
    if ('zeroLength' in write) {
      putAscii(bytes, at, 'zero');
      dv.setBigUint64(at + 8, BigInt(write.zeroLength), true);
      return;
    }
    putAscii(bytes, at, 'desc');
    bytes.set(write.data.subarray(LOG_SECTOR - 4), at + 4);
    bytes.set(write.data.subarray(0, 8), at + 8);
    const start = dataSector++ * LOG_SECTOR;
    putAscii(bytes, start, 'data');
    dv.setUint32(start + 4, Number(entry.sequenceNumber >> 32n), true);
    bytes.set(write.data.subarray(8, 8 + DATA_PAYLOAD), start + 8);
    dv.setUint32(start + LOG_SECTOR - 4, Number(entry.sequenceNumber & 0xffffffffn), true);
  });
  dv.setUint32(4, crc32cWithZeroedField(bytes, 4), true);
  return bytes;
}
