// The repair job through the handler table: a dry run lists the changes and writes nothing, a repair makes the
// image check clean with its content unchanged; bad payloads are refused before anything is queued, and only a
// dry run may work on an image that cannot be written.
import { constants } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { IpcResult } from '../../../shared/errors';
import type { JobOutcome, JobResultOf } from '../../../shared/jobs';
import { checkImage } from '../../../electron/engine/ops/check';
import { hashImage } from '../../../electron/engine/ops/hash';
import { notificationText } from '../../../electron/main/taskbar';
import { useTempDirs } from '../../helpers/temp-dir';
import { dynamicDisk, flip, layoutOf, setBatEntry } from '../check/damage';
import { choose, harness } from './helpers';
import type { Harness } from './helpers';

// This process may run as root, which may write any file: a file named read-only.vhd stands for one it may not.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    access: async (path: Parameters<typeof actual.access>[0], mode?: number) => {
      if (String(path).endsWith('read-only.vhd') && mode !== undefined && (mode & constants.W_OK) !== 0) {
        throw Object.assign(new Error(`EACCES: permission denied, access '${String(path)}'`), { code: 'EACCES' });
      }
      return actual.access(path, mode);
    },
  };
});

function value<T>(result: IpcResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}
function errorOf<T>(result: IpcResult<T>) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}
async function start(h: Harness, payload: unknown) {
  return (h.handlers['job:start'] as (p: unknown) => Promise<IpcResult<{ jobId: string }>>)(payload);
}
async function waitDone(h: Harness, jobId: string): Promise<JobOutcome> {
  await h.services.jobs.whenIdle();
  const outcome = h.eventsOf('job:done').find((o) => o.jobId === jobId);
  if (!outcome) throw new Error(`no job:done for ${jobId}`);
  return outcome;
}
function repairResult(outcome: JobOutcome): JobResultOf<'repair'> {
  if (outcome.op !== 'repair' || outcome.state !== 'succeeded' || outcome.result === null) {
    throw new Error(`expected a repair result, got ${outcome.op} ${outcome.state} ${outcome.error?.message ?? ''}`);
  }
  return outcome.result;
}

describe('the repair job', () => {
  const tempDir = useTempDirs();
  /** A dynamic VHD whose end footer's checksum is wrong (the head copy is sound). */
  async function setup(name = 'disk') {
    const dir = await tempDir();
    const h = await harness(join(dir, 'user-data'));
    const { path } = await dynamicDisk(dir, { name });
    const sound = await hashImage(path);
    const { fileSize } = await layoutOf(path);
    await flip(path, fileSize - 512 + 64); // the checksum field of the footer at the end
    await choose(h, path);
    return { dir, h, path, sound };
  }

  it('a dry run lists the changes and writes nothing; the repair then leaves a clean image, content unchanged', async () => {
    const { h, path, sound } = await setup();
    expect((await checkImage(path)).clean).toBe(false);
    const damaged = await readFile(path);

    const plan = value(await start(h, { op: 'repair', path, dryRun: true }));
    const planned = repairResult(await waitDone(h, plan.jobId));
    expect(planned).toMatchObject({ path, dryRun: true, rolledBack: null, after: null });
    expect(planned.before.clean).toBe(false);
    expect(planned.changes.length).toBeGreaterThan(0);
    expect(planned.changes[0]?.message.length).toBeGreaterThan(10);
    expect(Buffer.compare(await readFile(path), damaged)).toBe(0);

    const job = value(await start(h, { op: 'repair', path }));
    const outcome = await waitDone(h, job.jobId);
    const repaired = repairResult(outcome);
    expect(repaired).toMatchObject({ path, dryRun: false, rolledBack: null, after: { clean: true, problems: [] } });
    expect(repaired.changes.map((c) => c.code)).toEqual(planned.changes.map((c) => c.code));
    expect((await checkImage(path)).clean).toBe(true);
    expect((await hashImage(path)).sha256).toBe(sound.sha256);
    expect(notificationText(outcome)).toEqual({
      title: 'Repair finished',
      body: `${path}: ${repaired.changes.length} ${repaired.changes.length === 1 ? 'change' : 'changes'} made, now clean`,
    });
  });

  it('a dropped block gives its virtual byte range', async () => {
    const { h, path } = await setup();
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 1, 0x00ffffff); // block 1 points past the end of the file
    const plan = value(await start(h, { op: 'repair', path, dryRun: true }));
    const planned = repairResult(await waitDone(h, plan.jobId));
    const dropped = planned.changes.find((c) => c.virtualRange !== undefined);
    expect(dropped?.virtualRange).toEqual({ start: layout.blockSize, end: 2 * layout.blockSize });
  });

  it('refuses bad payloads before queueing anything', async () => {
    const { dir, h, path } = await setup();
    // Chosen, then gone or not a file: the checks after the grant still apply.
    await choose(h, join(dir, 'missing.vhd'), dir);
    const cases: [unknown, string][] = [
      [{ op: 'repair', path, dryRun: 'yes' }, 'INVALID_REQUEST'],
      [{ op: 'repair', path, dryRun: 1 }, 'INVALID_REQUEST'],
      [{ op: 'repair', path, force: true }, 'INVALID_REQUEST'],
      [{ op: 'repair', path: 'disk.vhd' }, 'INVALID_REQUEST'],
      [{ op: 'repair', path: '' }, 'INVALID_REQUEST'],
      [{ op: 'repair', path: 7 }, 'INVALID_REQUEST'],
      [{ op: 'repair' }, 'INVALID_REQUEST'],
      [{ op: 'repair', child: path }, 'INVALID_REQUEST'],
      [{ op: 'repair', path: join(dir, 'missing.vhd') }, 'NOT_FOUND'],
      [{ op: 'repair', path: join(dir, 'missing.vhd'), dryRun: true }, 'NOT_FOUND'],
      [{ op: 'repair', path: dir }, 'IS_DIRECTORY'],
    ];
    for (const [request, code] of cases) {
      const error = errorOf(await start(h, request));
      expect(error.code, JSON.stringify(request)).toBe(code);
      expect(error.message.length).toBeGreaterThan(10);
    }
    expect(h.eventsOf('job:added')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['disk.img', 'disk.vhd']);
  });

  it('a repair needs a writable image; a dry run only reads', async () => {
    const { h, path } = await setup('read-only');
    const refused = errorOf(await start(h, { op: 'repair', path }));
    expect(refused.code).toBe('ACCESS_DENIED');
    expect(refused.message).toContain(path);
    expect(h.eventsOf('job:added')).toEqual([]);
    const plan = value(await start(h, { op: 'repair', path, dryRun: true }));
    expect(repairResult(await waitDone(h, plan.jobId)).changes.length).toBeGreaterThan(0);
  });
});
