// The Home view's WSL and Docker Desktop disks: the real lookup (findWslDisks) over a fake registry and a
// %LOCALAPPDATA% laid out in the test's folder, with real VHDX files. A disk a qemu process holds open (as WSL or
// Docker Desktop holds theirs) is listed as in use, its Compact disabled with the reason.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FoundDisks, IpcResult, PlatterApi } from '../../shared/ipc-contract';
import { NOT_WINDOWS_NOTE, findWslDisks } from '../../electron/engine/discovery/find-wsl-disks';
import { nativeAddon } from '../../electron/engine/io/native-addon';
import { compactImage } from '../../electron/engine/ops/compact';
import { convertImage } from '../../electron/engine/ops/convert';
import { writeRaw } from '../helpers/data';
import { expect, shot, test } from './app-test';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const LXSS = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';

/** A dynamic VHDX with 3 MiB of data and 4 MiB the guest wrote as zeros (1 MiB blocks). */
async function wslDisk(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeRaw(`${path}.img`, 32 * MiB, [
    [0, MiB],
    [8 * MiB, 2 * MiB],
  ]);
  await convertImage({ input: `${path}.img`, output: path, blockSize: MiB });
  await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${16 * MiB} ${4 * MiB}`, path]);
}

/** A qemu-io session holding `path` open until killed, as WSL holds a running distribution's disk. */
async function qemuHolds(path: string): Promise<ChildProcess> {
  const child = spawn('qemu-io', ['-f', 'vhdx', path], { stdio: ['pipe', 'ignore', 'ignore'] });
  const fd = openSync(path, 'r');
  try {
    for (let i = 0; i < 200 && !nativeAddon()!.lockedByOthers!(fd, 100, 1); i++)
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    closeSync(fd);
  }
  return child;
}

test('off Windows the real lookup finds nothing, says why, and Home shows no disk panel', async ({ app }) => {
  const answer: IpcResult<FoundDisks> = await app.evaluate(() =>
    (window as unknown as { platter: PlatterApi }).platter.listWslDisks(undefined),
  );
  expect(answer).toEqual({ ok: true, value: { disks: [], notes: [NOT_WINDOWS_NOTE] } });
  await expect(app.getByTestId('wsl-disks')).toHaveCount(0);
});

test('Home lists the disks found, sizes them, works out what compact reclaims, and opens Compact', async ({
  app,
  bridge,
  dir,
}) => {
  const holdsLocks = nativeAddon()?.lockedByOthers !== undefined;
  const local = join(dir, 'Local');
  const ubuntuBase = join(local, 'Packages', 'Ubuntu', 'LocalState');
  const ubuntu = join(ubuntuBase, 'ext4.vhdx');
  const dockerData = join(local, 'Docker', 'wsl', 'disk', 'docker_data.vhdx');
  await wslDisk(ubuntu);
  await wslDisk(dockerData);
  const holder = holdsLocks ? await qemuHolds(dockerData) : null;
  try {
    const registry = [
      { path: LXSS, values: { DefaultDistribution: '{1}' } },
      { path: `${LXSS}\\{1}`, values: { DistributionName: 'Ubuntu', BasePath: ubuntuBase, Version: '0x2' } },
    ];
    bridge.useDiskLookup(() =>
      findWslDisks(
        {
          platform: 'win32',
          registry: async () => registry,
          fs: { stat, readdir: (path, options) => readdir(path, options) },
          localAppData: local,
        },
        { estimate: false },
      ),
    );
    await app.reload();
    const panel = app.getByTestId('wsl-disks');
    await expect(panel).toBeVisible();
    const rows = panel.getByTestId('wsl-disk');
    await expect(rows).toHaveCount(2);
    const first = rows.nth(0);
    await expect(first).toContainText('Ubuntu');
    await expect(first).toContainText('WSL distribution');
    await expect(first.getByTestId('wsl-size-on-disk').locator('[data-bytes]')).toHaveAttribute(
      'data-bytes',
      String((await stat(ubuntu)).blocks * 512),
    );
    const second = rows.nth(1);
    await expect(second).toContainText('Docker Desktop');
    if (holdsLocks) {
      await expect(second).toHaveAttribute('data-status', 'in-use');
      await expect(second.getByTestId('wsl-problem')).toContainText('quit Docker Desktop');
      await expect(second.getByTestId('wsl-compact')).toBeDisabled();
      await expect(second.getByTestId('wsl-compact')).toHaveAttribute('title', /quit Docker Desktop/);
    }

    // The figure is compact's dry run, run as a job; it is what compacting the disk then frees.
    await panel.getByTestId('wsl-estimate').click();
    const reclaim = first.getByTestId('wsl-reclaimable').locator('[data-bytes]');
    await expect(reclaim).toBeVisible();
    const shown = Number(await reclaim.getAttribute('data-bytes'));
    expect(shown).toBe((await compactImage({ path: ubuntu, dryRun: true })).reclaimedBytes);
    expect(shown).toBeGreaterThanOrEqual(4 * MiB);
    await shot(app, 'home-wsl-disks');

    await first.getByTestId('wsl-compact').click();
    await expect(app.getByTestId('compact-wizard')).toBeVisible();
    await expect(app.getByTestId('compact-wizard')).toContainText('ext4.vhdx');
  } finally {
    holder?.kill('SIGKILL');
  }
});
