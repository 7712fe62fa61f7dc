// The VHDX log: entries serialize and parse back, the active sequence is the newest whose tail closes it (wrapping
// around the end of the log), entries of another log or with a broken checksum or data sector are not valid, and
// a log whose updates would land outside the file is refused.
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { randomGuid } from '../../../electron/engine/formats/vhdx/guid';
import type { VhdxHeader } from '../../../electron/engine/formats/vhdx/header';
import {
  LOG_SECTOR,
  findActiveSequence,
  parseLogEntry,
  replayFor,
  serializeLogEntry,
} from '../../../electron/engine/formats/vhdx/log';
import type { LogEntry, LogWrite } from '../../../electron/engine/formats/vhdx/log';
import { seededBytes } from '../../helpers/data';

const MIB = 1024 * 1024;
const guid = randomGuid();

function entry(sequenceNumber: bigint, tail: number, writes: LogWrite[]): Omit<LogEntry, 'entryLength'> {
  return { sequenceNumber, tail, logGuid: guid, flushedFileOffset: 4 * MIB, lastFileOffset: 4 * MIB, writes };
}

const page = (seed: string) => new Uint8Array(seededBytes(seed, LOG_SECTOR));

/** A log of `length` bytes holding `entries` at their offsets. */
function log(length: number, entries: [number, Uint8Array][]): Uint8Array {
  const bytes = new Uint8Array(length);
  for (const [at, data] of entries) {
    const first = Math.min(data.length, length - at);
    bytes.set(data.subarray(0, first), at);
    bytes.set(data.subarray(first), 0); // an entry may wrap past the end of the circular log
  }
  return bytes;
}

describe('VHDX log entries', () => {
  it('serialize and parse back: data pages with their 12 borrowed bytes, and zero runs', () => {
    const writes: LogWrite[] = [
      { offset: 3 * MIB, data: page('a') },
      { offset: 2 * MIB, zeroLength: 64 * 1024 },
      { offset: 3 * MIB + LOG_SECTOR, data: page('b') },
    ];
    const bytes = serializeLogEntry(entry(7n, 0, writes));
    expect(bytes.length).toBe(3 * LOG_SECTOR); // one descriptor sector, two data sectors
    const parsed = parseLogEntry(bytes, guid)!;
    expect(parsed).toMatchObject({ sequenceNumber: 7n, tail: 0, entryLength: 3 * LOG_SECTOR, writes });
  });

  it('are invalid with a wrong checksum, another log GUID, or a data sector of another sequence', () => {
    const bytes = serializeLogEntry(entry(7n, 0, [{ offset: MIB, data: page('a') }]));
    expect(parseLogEntry(bytes, randomGuid())).toBeNull();
    const flipped = bytes.slice();
    flipped[LOG_SECTOR + 100]! ^= 1;
    expect(parseLogEntry(flipped, guid)).toBeNull();
    const stale = bytes.slice();
    new DataView(stale.buffer).setUint32(LOG_SECTOR + LOG_SECTOR - 4, 6, true);
    expect(parseLogEntry(stale, guid)).toBeNull();
  });
});

describe('the active sequence', () => {
  it('is the newest run whose last entry’s tail points at its first, and ignores an older one', () => {
    const old = serializeLogEntry(entry(3n, 0, [{ offset: MIB, data: page('old') }]));
    const a = serializeLogEntry(entry(10n, 2 * LOG_SECTOR, [{ offset: MIB, data: page('a') }]));
    const b = serializeLogEntry(entry(11n, 2 * LOG_SECTOR, [{ offset: MIB + LOG_SECTOR, data: page('b') }]));
    const replay = findActiveSequence(
      log(MIB, [
        [0, old],
        [2 * LOG_SECTOR, a],
        [4 * LOG_SECTOR, b],
      ]),
      guid,
    )!;
    expect(replay.entries.map((e) => e.sequenceNumber)).toEqual([10n, 11n]);
    expect(replay.writes.map((w) => w.offset)).toEqual([MIB, MIB + LOG_SECTOR]);
  });

  it('follows entries around the end of the log', () => {
    const length = 16 * LOG_SECTOR;
    const a = serializeLogEntry(entry(5n, 14 * LOG_SECTOR, [{ offset: MIB, data: page('a') }]));
    const b = serializeLogEntry(entry(6n, 14 * LOG_SECTOR, [{ offset: 2 * MIB, data: page('b') }]));
    const replay = findActiveSequence(
      log(length, [
        [14 * LOG_SECTOR, a],
        [0, b],
      ]),
      guid,
    )!;
    expect(replay.entries.map((e) => e.sequenceNumber)).toEqual([5n, 6n]);
  });

  it('does not exist when no run closes at its own tail: nothing to replay', () => {
    const a = serializeLogEntry(entry(10n, 8 * LOG_SECTOR, [{ offset: MIB, data: page('a') }]));
    expect(findActiveSequence(log(MIB, [[0, a]]), guid)).toBeNull();
  });
});

describe('replay', () => {
  const header = { logGuid: guid, logOffset: MIB, logLength: MIB } as VhdxHeader;

  it('is refused when an update lands past the end of the file, or the file was cut below the flushed length', () => {
    const far = serializeLogEntry(entry(1n, 0, [{ offset: 64 * MIB, data: page('far') }]));
    let error: unknown = null;
    try {
      replayFor(header, log(MIB, [[0, far]]), 8 * MIB);
    } catch (err) {
      error = err;
    }
    expect(isPlatterError(error, 'VHDX_LOG_INVALID')).toBe(true);
    const cut = serializeLogEntry({ ...entry(1n, 0, []), flushedFileOffset: 16 * MIB, lastFileOffset: 16 * MIB });
    expect(() => replayFor(header, log(MIB, [[0, cut]]), 8 * MIB)).toThrow(/cut short/);
  });
});
