// disks:list-wsl through the handler table: what the lookup found, and every disk found granted, so that the
// page may open it and start compact's dry run on it (paths main never gave stay refused).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_WINDOWS_NOTE, findWslDisks } from '../../../electron/engine/discovery/find-wsl-disks';
import { convertImage } from '../../../electron/engine/ops/convert';
import { writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';
import { call, errorOf, harness, value, waitDone } from './helpers';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();

describe('disks:list-wsl', () => {
  it.skipIf(process.platform === 'win32')(
    'off Windows: no disks, and the note that it applies to Windows',
    async () => {
      const h = await harness(join(await tempDir(), 'user-data'));
      expect(value(await h.handlers['disks:list-wsl'](undefined))).toEqual({ disks: [], notes: [NOT_WINDOWS_NOTE] });
      expect(errorOf(await call(h, 'disks:list-wsl', { estimate: true })).code).toBe('INVALID_REQUEST');
    },
  );

  it.skipIf(!tools.qemuIo)('grants the disks it found: the page may then open them and estimate compact', async () => {
    const dir = await tempDir();
    const base = join(dir, 'Ubuntu');
    const disk = join(base, 'ext4.vhdx');
    await mkdir(base);
    await mkdir(join(dir, 'gone'));
    await writeRaw(join(dir, 'disk.img'), 16 * MiB, [[0, MiB]]);
    await convertImage({ input: join(dir, 'disk.img'), output: disk, blockSize: MiB });
    await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${4 * MiB} ${2 * MiB}`, disk]);
    const registry = [
      {
        path: 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss\\{1}',
        values: { DistributionName: 'Ubuntu', BasePath: base },
      },
      {
        path: 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss\\{2}',
        values: { DistributionName: 'Gone', BasePath: join(dir, 'gone') },
      },
    ];
    const find = () =>
      findWslDisks(
        {
          platform: 'win32',
          registry: async () => registry,
          fs: { stat, readdir: (path, options) => readdir(path, options) },
          localAppData: join(dir, 'Local'),
        },
        { estimate: false },
      );
    const h = await harness(join(dir, 'user-data'), undefined, { findDisks: find });
    expect(errorOf(await h.handlers['image:info']({ path: disk })).code).toBe('UNTRUSTED_PATH');

    const found = value(await h.handlers['disks:list-wsl'](undefined));
    expect(found.disks.map((d) => [d.name, d.path, d.status, d.reclaimable])).toEqual([
      ['Ubuntu', disk, 'ready', null],
      ['Gone', join(dir, 'gone', 'ext4.vhdx'), 'missing', null],
    ]);
    // A disk that is not there is not granted: a job could otherwise create a file in its place.
    const create = { op: 'create', path: join(dir, 'gone', 'ext4.vhdx'), size: MiB } as const;
    expect(errorOf(await h.handlers['job:start'](create)).code).toBe('UNTRUSTED_PATH');
    expect(value(await h.handlers['image:info']({ path: disk })).virtualSize).toBe(16 * MiB);
    const { jobId } = value(await h.handlers['job:start']({ op: 'compact', path: disk, dryRun: true }));
    const outcome = await waitDone(h, jobId);
    expect(outcome.state).toBe('succeeded');
    expect(outcome.result).toMatchObject({ dryRun: true, blocksBefore: 3 });
    // The two blocks qemu-io wrote with zeros at least (compact may drop more: free space of a file system).
    expect((outcome.result as { blocksAfter: number }).blocksAfter).toBeLessThanOrEqual(1);
  });
});
