// compact and check --repair of a VHDX killed after each of their writes: Platter, and qemu-img after its own log
// replay, read the disk's content alike, and the same command run again finishes the job.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { repairImage } from '../../../electron/engine/ops/repair';
import { platter } from '../../helpers/cli';
import { sha256File, writeRaw } from '../../helpers/data';
import { copyFixture, entryOf, fixturesAvailable } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuReplayedVhdxHash, run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

/** Runs `args` killed after each write in turn until a run completes; returns how many runs were killed. */
async function killEachWrite(
  setup: (dir: string) => Promise<{ path: string; content: string; args: string[] }>,
  redo: (path: string) => Promise<unknown>,
): Promise<number> {
  let killed = 0;
  for (let writes = 1; writes <= 40; writes++) {
    const dir = await tempDir();
    const { path, content, args } = await setup(dir);
    process.env.PLATTER_TEST_KILL_AFTER_WRITES = String(writes);
    const result = await platter(...args, path, '--quiet').finally(() => {
      delete process.env.PLATTER_TEST_KILL_AFTER_WRITES;
    });
    expect((await hashImage(path)).sha256, `after write ${writes}`).toBe(content);
    expect(await qemuReplayedVhdxHash(path, dir), `after write ${writes}`).toBe(content);
    if (result.code === 0) break;
    killed++;
    await redo(path);
    expect((await hashImage(path)).sha256).toBe(content);
  }
  return killed;
}

describe.skipIf(!tools.qemuImg || !tools.qemuIo)('a VHDX, killed', () => {
  it('compact in place: the old file or the compacted one, the same content', async () => {
    const killed = await killEachWrite(
      async (dir) => {
        const raw = join(dir, 'disk.img');
        await writeRaw(raw, 24 * MiB, [
          [0, MiB],
          [9 * MiB, 3 * MiB],
          [14 * MiB, 1000],
          [16 * MiB + 4096, 70000],
          [20 * MiB, MiB],
        ]);
        const path = join(dir, 'disk.vhdx');
        await convertImage({ input: raw, output: path, blockSize: MiB });
        await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${4 * MiB} ${4 * MiB}`, path]);
        return { path, content: await sha256File(raw), args: ['compact'] };
      },
      (path) => compactImage({ path }),
    );
    expect(killed).toBeGreaterThanOrEqual(10);
  });

  it.runIf(fixturesAvailable)('check --repair of a dirty log: the log replayed or still to replay, alike', async () => {
    const entry = entryOf('vhdx/windows10-dirtylog-1g.vhdx');
    const killed = await killEachWrite(
      async (dir) => ({
        path: await copyFixture(entry.file, dir),
        content: entry.contentSha256!,
        args: ['check', '--repair'],
      }),
      (path) => repairImage({ path }),
    );
    expect(killed).toBeGreaterThanOrEqual(3);
  });
});
