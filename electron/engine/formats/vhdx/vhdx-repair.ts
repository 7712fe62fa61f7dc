// `check --repair` of a VHDX: the updates its log holds are written in (repair-log.ts). Other damage is listed by
// `check` and refused here, since no repair of it is known to be safe without guessing.
import { PlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import { problemList } from '../../ops/check-problems';
import type { RepairChange, RepairOutcome } from '../driver';
import { pendingLog, replayLogIntoFile } from './repair-log';
import { checkVhdx } from './vhdx-check';

export async function repairVhdx(file: RandomAccessFile, dryRun: boolean): Promise<RepairOutcome> {
  const replay = await pendingLog(file);
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
  const { problems, add } = problemList();
  await checkVhdx(file, add);
  if (problems.length === 0) return { changes: [], changed: false }; // nothing to repair is an answer
  throw new PlatterError(
    'UNSUPPORTED',
    `repairing VHDX images such as ${file.path} is not supported beyond replaying the log`,
    '`platter check` lists its problems; Hyper-V or `qemu-img check -r all -f vhdx` can repair it',
    { path: file.path },
  );
}
