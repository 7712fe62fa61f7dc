// `check --repair` of a VHDX whose log holds updates never written into the disk: the log's active sequence is
// written in, as Hyper-V and qemu-img replay it (MS-VHDX 2.3.3), then both headers are rewritten with the log
// marked empty. Killed part-way, the headers still name the log, and replaying it again gives the same file.
import { randomGuid, NIL_GUID } from './guid';
import { HEADER_OFFSETS, HEADER_SIZE, selectHeader, serializeHeader } from './header';
import type { LogReplay } from './log';
import { withLogReplayed } from './replayed-source';
import type { RandomAccessFile } from '../../io/random-access-file';

/** Zero runs of the log are written in pieces of this size. */
const ZERO_PIECE = 1024 * 1024;

/** The updates a VHDX's log holds for the file, or null when it holds none. */
export async function pendingLog(file: RandomAccessFile): Promise<LogReplay | null> {
  const view = await withLogReplayed(file);
  return view.replay?.writes.length ? view.replay : null;
}

/** Writes the log's updates into `file` (opened for writing) and marks the log empty in both headers. */
export async function replayLogIntoFile(file: RandomAccessFile, replay: LogReplay): Promise<void> {
  const zeros = new Uint8Array(ZERO_PIECE);
  for (const write of replay.writes) {
    if ('data' in write) {
      await file.write(write.data, write.offset);
      continue;
    }
    for (let done = 0; done < write.zeroLength; done += ZERO_PIECE)
      await file.write(zeros.subarray(0, Math.min(ZERO_PIECE, write.zeroLength - done)), write.offset + done);
  }
  if (file.size < replay.lastFileOffset) await file.truncate(replay.lastFileOffset);
  await file.sync();
  // Each header in turn, the older copy first, each flushed: one valid header says the log is empty at any moment.
  const current = selectHeader(
    await file.readAt(HEADER_OFFSETS[0], HEADER_SIZE),
    await file.readAt(HEADER_OFFSETS[1], HEADER_SIZE),
  );
  const clean = { ...current.header, logGuid: NIL_GUID, fileWriteGuid: randomGuid() };
  const older = current.copy === 0 ? 1 : 0;
  await file.write(serializeHeader({ ...clean, sequenceNumber: clean.sequenceNumber + 1n }), HEADER_OFFSETS[older]);
  await file.sync();
  await file.write(
    serializeHeader({ ...clean, sequenceNumber: clean.sequenceNumber + 2n }),
    HEADER_OFFSETS[current.copy],
  );
  await file.sync();
}
