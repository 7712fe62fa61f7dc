// `check --repair` of a VHDX, fixing only what needs no guess:
// - the updates its log holds are written in (repair-log.ts);
// - a damaged copy of the header or of the region table is rewritten from the valid one (the header with the next
//   sequence number, as any header update is written). The valid copy is never touched, so a kill at any moment
//   leaves at least one valid copy of each.
// - payload blocks the BAT places past the end of the file, in the header section, over a structure or over each
//   other are dropped (bat-repair.ts), through the log.
// Other damage is listed by `check` and left alone.
import { PlatterError, isPlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import { problemList } from '../../ops/check-problems';
import type { RepairChange, RepairOutcome } from '../driver';
import { HEADER_OFFSETS, HEADER_SIZE, parseHeader, serializeHeader } from './header';
import { pendingLog, replayLogIntoFile } from './repair-log';
import { REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, parseRegionTable } from './region-table';
import { repairBat } from './bat-repair';
import { checkVhdx } from './vhdx-check';

function parses(parse: (bytes: Uint8Array) => unknown, bytes: Uint8Array): boolean {
  try {
    parse(bytes);
    return true;
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    return false;
  }
}

/** The copy of a two-copy structure to rewrite from the other: its index, or null when both or neither parse. */
async function damagedCopy(
  file: RandomAccessFile,
  offsets: readonly number[],
  size: number,
  parse: (bytes: Uint8Array) => unknown,
): Promise<{ damaged: 0 | 1; valid: Uint8Array } | null> {
  const copies = await Promise.all(offsets.map((o) => file.readAt(o, size)));
  const ok = copies.map((bytes) => parses(parse, bytes));
  if (ok[0] === ok[1]) return null;
  return ok[0] ? { damaged: 1, valid: copies[0]! } : { damaged: 0, valid: copies[1]! };
}

async function repairCopies(file: RandomAccessFile, dryRun: boolean): Promise<RepairChange[]> {
  const verb = dryRun ? 'would rewrite' : 'rewrote';
  const changes: RepairChange[] = [];
  const header = await damagedCopy(file, HEADER_OFFSETS, HEADER_SIZE, parseHeader);
  if (header) {
    const at = HEADER_OFFSETS[header.damaged];
    changes.push({
      code: 'VHDX_HEADER_COPY',
      offset: at,
      message: `${verb} the damaged header at ${at / 1024} KiB from the valid copy`,
    });
    if (!dryRun) {
      const current = parseHeader(header.valid);
      await file.write(serializeHeader({ ...current, sequenceNumber: current.sequenceNumber + 1n }), at);
      await file.sync();
    }
  }
  const table = await damagedCopy(file, REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, parseRegionTable);
  if (table) {
    const at = REGION_TABLE_OFFSETS[table.damaged];
    changes.push({
      code: 'VHDX_REGION_TABLE_COPY',
      offset: at,
      message: `${verb} the damaged region table at ${at / 1024} KiB from the valid copy`,
    });
    if (!dryRun) {
      await file.write(table.valid, at);
      await file.sync();
    }
  }
  return changes;
}

export async function repairVhdx(file: RandomAccessFile, dryRun: boolean): Promise<RepairOutcome> {
  // Headers too damaged to find the log are not a log to replay: what `check` finds is said below.
  const replay = await pendingLog(file).catch((err: unknown) => {
    if (isPlatterError(err)) return null;
    throw err;
  });
  if (replay) {
    const updates = replay.writes.length;
    const change: RepairChange = {
      code: 'VHDX_LOG_NOT_EMPTY',
      offset: replay.writes[0]!.offset,
      message: `${dryRun ? 'would write' : 'wrote'} the ${updates} update${updates === 1 ? '' : 's'} the log held into the disk, and mark the log empty`,
    };
    if (!dryRun) await replayLogIntoFile(file, replay);
    return { changes: [change], changed: !dryRun };
  }
  const changes = await repairCopies(file, dryRun);
  if (changes.length > 0) return { changes, changed: !dryRun };
  const { problems, add } = problemList();
  await checkVhdx(file, add);
  if (problems.length === 0) return { changes: [], changed: false }; // nothing to repair is an answer
  const dropped = await repairBat(file, problems, dryRun);
  if (dropped) return { changes: dropped, changed: !dryRun };
  throw new PlatterError(
    'UNSUPPORTED',
    `Platter repairs a VHDX's log, a damaged copy of its header or region table, and blocks its BAT places outside the file or over other data; the problems of ${file.path} are of another kind, which no repair fixes without guessing: ${problems
      .slice(0, 3)
      .map((p) => p.message)
      .join('; ')}${problems.length > 3 ? '; ...' : ''}`,
    '`platter check` lists them; Hyper-V or `qemu-img check -r all -f vhdx` may repair them',
    { path: file.path },
  );
}
