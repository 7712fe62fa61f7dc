// Long work: Compact shows what it reclaimed (a qemu-made image whose guest zeroed two blocks), a long job
// cancelled from the Jobs panel leaves no output behind, and an image a VM holds is not compacted.
import { execFile, spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { drop, expect, shot, test } from './app-test';

const run = promisify(execFile);
const MiB = 1024 * 1024;

test('Compact: the expected reclaim before, the reclaimed bytes after, content unchanged', async ({ app, dir }) => {
  const path = join(dir, 'zeroed.vhd');
  await run('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic,force_size=on', path, String(16 * MiB)]);
  for (let block = 0; block < 6; block++)
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P ${0x41 + block} ${block * 2 * MiB} ${2 * MiB}`, path]);
  for (const block of [1, 4])
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P 0 ${block * 2 * MiB} ${2 * MiB}`, path]);
  const hash = (await hashImage(path)).sha256;
  const sizeBefore = (await stat(path)).size;

  await drop(app, ['zeroed.vhd']);
  await expect(app.getByTestId('map-counts')).toContainText('6 of 8 blocks');
  await app.getByTestId('action-compact').click();
  const wizard = app.getByTestId('compact-wizard');
  await expect(wizard.getByTestId('compact-estimate')).toContainText('This image holds 6 blocks (12 MiB)');
  // The dry run scans the blocks: two of the six are zeros, and nothing is written meanwhile.
  const estimated = wizard.getByTestId('compact-estimated');
  await expect(estimated).toContainText('Compacting will drop 2 of the 6 blocks');
  expect((await stat(path)).size).toBe(sizeBefore);
  const predicted = await estimated.locator('[data-bytes]').getAttribute('data-bytes');
  await shot(app, 'compact-step-1-estimate');
  await wizard.getByTestId('wizard-next').click();
  await shot(app, 'compact-step-2-output');
  await wizard.getByTestId('wizard-next').click();
  await shot(app, 'compact-step-3-summary');
  await wizard.getByTestId('wizard-run').click();

  const result = wizard.getByTestId('compact-result');
  await expect(result).toContainText('Dropped 2 of the 6 blocks and reclaimed');
  // One way to open the result: the wizard's button, not also the job card's link.
  await expect(wizard.getByTestId('job-open')).toHaveCount(0);
  await expect(wizard.getByTestId('wizard-open-result')).toHaveCount(1);
  const sizeAfter = (await stat(path)).size;
  const reclaimed = sizeBefore - sizeAfter;
  expect(reclaimed).toBeGreaterThanOrEqual(4 * MiB);
  await expect(result.locator('[data-bytes]')).toHaveAttribute('data-bytes', String(reclaimed));
  // What the dry run predicted is exactly what compacting reclaimed.
  expect(predicted).toBe(String(reclaimed));
  await shot(app, 'compact-done');
  expect((await hashImage(path)).sha256).toBe(hash);
  expect((await inspectImage(path)).allocatedBlocks).toBe(4);

  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('map-counts')).toContainText('4 of 8 blocks');
});

test('cancel a long job from the Jobs panel: the job says cancelled and its output is gone', async ({
  app,
  dir,
  bridge,
}) => {
  await app.getByTestId('nav-create').click();
  const wizard = app.getByTestId('create-wizard');
  await wizard.getByTestId('create-fixed').check();
  await wizard.getByTestId('create-preallocate').check();
  await wizard.getByTestId('create-size').fill('16G');
  await wizard.getByTestId('wizard-next').click();
  const path = join(dir, 'big.vhd');
  bridge.dialogs.answerSave(path);
  await wizard.getByTestId('create-path-choose').click();
  await expect(wizard.getByTestId('create-path')).toHaveValue(path);
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('wizard-run').click();
  // The wizard shows it; left for Home, the job shows in the Jobs panel, which opens from its toolbar button.
  await expect(wizard.locator('[data-op="create"]')).toHaveAttribute('data-state', 'running');
  await expect(app.getByTestId('jobs-panel')).toHaveCount(0);
  await expect(app.getByTestId('nav-jobs')).toHaveText('Jobs');
  await app.getByTestId('nav-home').click();
  await expect(app.getByTestId('nav-jobs')).toContainText('1 running');

  const job = app.getByTestId('jobs-panel').locator('[data-op="create"]');
  await expect(job).toHaveAttribute('data-state', 'running');
  await expect(job.getByTestId('job-speed')).toBeVisible();
  await expect(job.getByTestId('job-eta')).toBeVisible();
  await shot(app, 'job-long-running');
  await job.getByRole('button', { name: 'Cancel big.vhd' }).click();
  await expect(job).toHaveAttribute('data-state', 'cancelled');
  await expect(job).toContainText('Cancelled');
  await shot(app, 'job-cancelled');
  expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([]);
});

test('an image a VM is using: a job started meanwhile fails saying so; the view then says it and waits', async ({
  app,
  dir,
}) => {
  const path = join(dir, 'in-use.vhd');
  await run('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic,force_size=on', path, String(8 * MiB)]);
  await run('qemu-io', ['-f', 'vpc', '-c', 'write -P 0 0 2M', path]);
  const before = await readFile(path);
  await drop(app, ['in-use.vhd']);
  await expect(app.getByTestId('map-counts')).toBeVisible();
  await expect(app.getByTestId('action-compact')).toBeEnabled();
  await expect(app.getByTestId('image-in-use')).toHaveCount(0);
  // The VM starts once the image is on screen: qemu-io holds it open for writing (and locked) as a VM would.
  const vm = spawn('qemu-io', ['-f', 'vpc', path], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    await app.getByTestId('action-compact').click();
    const wizard = app.getByTestId('compact-wizard');
    await expect(wizard.getByTestId('compact-estimated')).toBeVisible();
    await wizard.getByTestId('wizard-next').click();
    await wizard.getByTestId('wizard-next').click();
    await wizard.getByTestId('wizard-run').click();
    const failure = wizard.locator('[data-code="IN_USE"]');
    await expect(failure).toContainText('is in use by another program');
    await expect(failure.locator('.remedy')).toContainText('stop the virtual machine');
    await shot(app, 'compact-in-use');
    expect(Buffer.compare(await readFile(path), before)).toBe(0);

    // Close goes back to the image; reloaded, it says so, and what would change or read the disk whole waits.
    await wizard.getByRole('button', { name: 'Close' }).click();
    await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);
    await app.getByRole('button', { name: 'Reload', exact: true }).click();
    await expect(app.getByTestId('image-in-use')).toContainText('Another program is writing this disk');
    for (const action of ['compact', 'resize', 'convert', 'hash'])
      await expect(app.getByTestId(`action-${action}`)).toBeDisabled();
    await expect(app.getByTestId('azure-fix')).toBeDisabled();
    await expect(app.getByTestId('action-check')).toBeEnabled();
    await shot(app, 'image-view-in-use');
  } finally {
    vm.kill('SIGKILL');
  }
  await app.getByRole('button', { name: 'Reload', exact: true }).click();
  await expect(app.getByTestId('image-in-use')).toHaveCount(0);
  await expect(app.getByTestId('action-compact')).toBeEnabled();
});

test('cancel in the wizard: what was cleaned up, then Start again from the first step', async ({
  app,
  dir,
  bridge,
}) => {
  await app.getByTestId('nav-create').click();
  const wizard = app.getByTestId('create-wizard');
  await wizard.getByTestId('create-fixed').check();
  await wizard.getByTestId('create-preallocate').check();
  await wizard.getByTestId('create-size').fill('16G');
  await wizard.getByTestId('wizard-next').click();
  const path = join(dir, 'again.vhd');
  bridge.dialogs.answerSave(path);
  await wizard.getByTestId('create-path-choose').click();
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('wizard-run').click();

  const progress = wizard.locator('[data-op="create"]');
  await expect(progress.getByTestId('job-progress')).toBeVisible();
  // The time left is withheld until the pace is known: the first updates say "Estimating".
  await expect(progress.getByTestId('job-eta').or(progress.getByTestId('job-eta-pending'))).toBeVisible();
  await shot(app, 'create-running');
  await progress.getByTestId('job-cancel').click();
  await expect(wizard.getByTestId('finish-headline')).toHaveText('■ Cancelled');
  await expect(wizard.getByTestId('finish-cleaned-up')).toHaveText(
    'Nothing was left behind: the partly written again.vhd was removed.',
  );
  await expect(wizard.getByTestId('finish-start-again')).toBeFocused();
  await shot(app, 'create-cancelled');
  expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([]);
  await wizard.getByTestId('finish-start-again').click();
  await expect(wizard).toHaveAttribute('data-step', '0');
  await expect(wizard.getByTestId('create-size')).toHaveValue('16G');
});
