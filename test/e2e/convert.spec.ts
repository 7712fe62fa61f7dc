// Convert: a raw disk dropped on Home goes through the wizard (where will it be used, then Custom) with progress by
// phases, the finished job opens the result, whose content the engine hashes equal to the raw file; the Azure
// readiness fix makes a ready copy; a raw disk shows what it holds; a text file is converted only on a yes; the
// source line gives the disk's size beside the file's; a VMDK for ESXi is written with the options asked for.
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage } from '../../electron/engine/ops/convert';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { drop, expect, shot, test } from './app-test';
import { copyFixture, sha256OfFile, writeDataRaw } from './helpers';

const MiB = 1024 * 1024;

test('drag a raw disk: Convert wizard, visible progress, finished job, output content = source', async ({
  app,
  dir,
}) => {
  const raw = join(dir, 'disk.img');
  await writeDataRaw(raw, 768 * MiB, 2 * MiB);
  await drop(app, ['disk.img']);

  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-source')).toHaveValue(raw);
  await expect(wizard.getByTestId('convert-detected')).toHaveText('Raw disk, 768 MiB');
  await shot(app, 'convert-step-1-source');
  await wizard.getByTestId('wizard-next').click();
  // Where will it be used: nothing chosen yet, so no Next; Custom opens the formats (VHD first, dynamic).
  await expect(wizard.getByTestId('wizard-next')).toBeDisabled();
  await shot(app, 'convert-step-2-target');
  await wizard.getByTestId('convert-dest-custom').check();
  await expect(wizard.getByTestId('convert-vhd')).toBeChecked();
  await shot(app, 'convert-step-2-target-custom');
  await wizard.getByTestId('wizard-next').click();
  const output = join(dir, 'disk-converted.vhd');
  await expect(wizard.getByTestId('convert-output')).toHaveValue(output);
  await expect(wizard.getByTestId('convert-verify')).toBeChecked();
  await shot(app, 'convert-step-3-destination');
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-summary-target')).toHaveText('VHD, Dynamic');
  await shot(app, 'convert-step-4-summary');
  await wizard.getByTestId('wizard-run').click();

  // Progress shows while it runs, phases as steps: a percent between 1 and 99, converting then verifying; the
  // Jobs panel does not repeat the job the wizard shows.
  const job = wizard.locator('[data-op="convert"]');
  await expect(job.getByTestId('job-progress')).toHaveAttribute('aria-valuenow', /^[1-9][0-9]?$/);
  await expect(job.getByTestId('job-phases').locator('li')).toHaveText(['1 Converting', '2 Verifying']);
  await expect(job.getByTestId('job-bytes')).toContainText(' of 768 MiB');
  await expect(app.getByTestId('jobs-panel').locator('[data-op="convert"]')).toHaveCount(0);
  await shot(app, 'convert-running');
  // Progress survives switching views: Home, and the panel opens with the job, named by source and output.
  await app.getByTestId('nav-home').click();
  const panelJob = app.getByTestId('jobs-panel').locator('[data-op="convert"]');
  await expect(panelJob).toBeVisible();
  await expect(panelJob).toContainText('disk.img → disk-converted.vhd');

  await expect(panelJob).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(panelJob.getByTestId('job-percent')).toHaveText('100%');
  await expect(panelJob.getByTestId('job-summary')).toContainText('Wrote 768 MiB');
  await shot(app, 'jobs-panel-finished');
  await panelJob.getByTestId('job-open').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', output);
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('768 MiB');

  expect((await hashImage(output)).sha256).toBe(await sha256OfFile(raw));
  const info = await inspectImage(output);
  expect(info.diskType).toBe('dynamic');
  expect(info.allocatedBlocks).toBe(384);
});

test('Azure fix: a dynamic VHD opens Convert with the azure preset and the copy is Azure-ready', async ({
  app,
  dir,
  bridge,
}) => {
  const source = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  const azure = app.getByTestId('azure');
  await expect(azure).toHaveAttribute('data-ready', 'false');
  await expect(azure).toContainText('type is dynamic, Azure takes fixed');
  await azure.getByTestId('azure-fix').click();

  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-source')).toHaveValue(source);
  // The detected line gives the disk's size beside the file's.
  await expect(wizard.getByTestId('convert-detected')).toHaveText(/^VHD, 10 MiB disk, [0-9.]+ (KiB|MiB) file$/);
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-dest-azure')).toBeChecked();
  await expect(wizard.getByTestId('convert-preset-writes')).toHaveText('Writes: VHD, Fixed');
  await shot(app, 'convert-azure-preset');
  await wizard.getByTestId('wizard-next').click();
  const output = join(dir, 'hyperv-dynamic-10m-azure.vhd');
  await expect(wizard.getByTestId('convert-output')).toHaveValue(output);
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-summary-target')).toHaveText('Azure');
  await wizard.getByTestId('wizard-run').click();
  // The finish: a headline, what was written and where, the hash behind Details, Show in folder.
  await expect(wizard.getByTestId('finish-headline')).toHaveText('✓ Converted and verified');
  await expect(wizard.getByTestId('finish-wrote')).toHaveText(
    `Wrote hyperv-dynamic-10m-azure.vhd: a 10 MiB disk, 10.0 MiB on disk, in ${dir}.`,
  );
  await expect(wizard.getByTestId('finish-hash')).toBeHidden();
  await wizard.getByTestId('finish-details').locator('summary').click();
  const sourceHash = (await hashImage(source)).sha256;
  await expect(wizard.getByTestId('finish-hash')).toHaveText(`Content SHA-256: ${sourceHash}`);
  await shot(app, 'convert-finished');
  await wizard.getByTestId('finish-show-in-folder').click();
  await expect.poll(() => bridge.shown).toEqual([output]);
  await wizard.getByTestId('wizard-open-result').click();

  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', output);
  await expect(app.getByTestId('azure')).toHaveAttribute('data-ready', 'true');
  await expect(app.getByTestId('fact-type')).toHaveText('Fixed');
  expect((await stat(output)).size).toBe(10 * MiB + 512);
  expect((await hashImage(output)).sha256).toBe((await hashImage(source)).sha256);
  await shot(app, 'image-view-azure-ready');
});

test('Convert to a differencing child: only the changed blocks are stored, the child reads as the source', async ({
  app,
  dir,
  bridge,
}) => {
  const baseRaw = join(dir, 'base.img');
  await writeDataRaw(baseRaw, 16 * MiB, 4 * MiB);
  const base = join(dir, 'base.vhd');
  await convertImage({ input: baseRaw, output: base });
  const changed = join(dir, 'changed.img');
  await writeDataRaw(changed, 16 * MiB, 2 * MiB);

  await drop(app, ['changed.img']);
  const wizard = app.getByTestId('convert-wizard');
  await wizard.getByTestId('wizard-next').click();
  // A differencing child is an advanced choice of Custom, not a peer of the formats.
  await wizard.getByTestId('convert-dest-custom').check();
  await expect(wizard.getByTestId('convert-child')).toBeHidden();
  await wizard.getByText('Advanced', { exact: true }).click();
  await wizard.getByTestId('convert-child').check();
  await expect(wizard.getByTestId('wizard-next')).toBeDisabled();
  bridge.dialogs.answerOpen(base);
  await wizard.getByTestId('convert-parent-choose').click();
  await expect(wizard.getByTestId('convert-parent')).toHaveValue(base);
  await shot(app, 'convert-to-child-target');
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-output')).toHaveValue(join(dir, 'changed-child.vhd'));
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-summary-target')).toHaveText(`Differencing child of ${base}`);
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.getByTestId('job-summary')).toContainText('blocks differ from the parent');
  await wizard.getByTestId('wizard-open-result').click();

  const output = join(dir, 'changed-child.vhd');
  await expect(app.getByTestId('fact-type')).toHaveText('Differencing');
  await expect(app.getByTestId('chain').locator('li[data-status="found"]')).toHaveCount(2);
  expect((await hashImage(output)).sha256).toBe(await sha256OfFile(changed));
  expect((await inspectImage(output)).diskType).toBe('differencing');
});

test('a raw disk dropped for conversion shows what it holds: its partition and the FAT label', async ({ app, dir }) => {
  // A 16 MiB disk with one FAT32 partition labelled USBSTICK, made with sfdisk and mkfs.fat.
  const raw = join(dir, 'stick.img');
  const part = join(dir, 'part.img');
  execFileSync('truncate', ['-s', String(16 * MiB), raw]);
  execFileSync('sfdisk', ['-q', raw], { input: 'label: dos\nstart=2048, type=c\n' });
  execFileSync('truncate', ['-s', String(16 * MiB - 2048 * 512), part]);
  execFileSync('mkfs.fat', ['-F', '32', '-n', 'USBSTICK', part], { stdio: 'ignore' });
  execFileSync('dd', [`if=${part}`, `of=${raw}`, 'bs=512', 'seek=2048', 'conv=notrunc', 'status=none']);

  await drop(app, ['stick.img']);
  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-detected')).toHaveText('Raw disk, 16 MiB');
  const contents = wizard.getByTestId('contents');
  await expect(contents.getByTestId('contents-table')).toContainText('MBR partition table');
  await expect(contents.locator('tbody tr td')).toHaveText(['1', '15 MiB', 'FAT32 (LBA)', 'vfat, “USBSTICK”']);
  await shot(app, 'convert-raw-contents');
});

test('a text file is not taken for a raw disk without a question', async ({ app, dir }) => {
  await writeFile(join(dir, 'notes.txt'), 'Shopping list\n- eggs\n- a bigger disk\n'.repeat(200));
  await drop(app, ['notes.txt']);
  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-not-a-disk')).toContainText('This file holds text, not a disk');
  await expect(wizard.getByTestId('contents')).toHaveCount(0);
  await expect(wizard.getByTestId('wizard-next')).toBeDisabled();
  await shot(app, 'convert-not-a-disk');
  await wizard.getByTestId('convert-not-a-disk-confirm').check();
  await expect(wizard.getByTestId('wizard-next')).toBeEnabled();
});

test('Custom VMDK: the subformat and adapter asked for are what the file records (qemu-img reads it)', async ({
  app,
  dir,
}) => {
  const raw = join(dir, 'disk.img');
  await writeDataRaw(raw, 32 * MiB, 4 * MiB);
  await drop(app, ['disk.img']);
  const wizard = app.getByTestId('convert-wizard');
  await wizard.getByTestId('wizard-next').click();
  // Keyboard: the destinations are one radio group, arrow keys move the choice.
  await wizard.getByTestId('convert-dest-hyperv').focus();
  await app.keyboard.press('ArrowDown');
  await expect(wizard.getByTestId('convert-dest-azure')).toBeChecked();
  await wizard.getByTestId('convert-dest-custom').check();
  await wizard.getByTestId('convert-vmdk').check();
  await wizard.getByTestId('convert-subformat').selectOption('stream-optimized');
  await wizard.getByTestId('convert-adapter').selectOption('pvscsi');
  await expect(wizard.getByTestId('convert-compress')).toHaveCount(0);
  await shot(app, 'convert-custom-vmdk');
  await wizard.getByTestId('wizard-next').click();
  const output = join(dir, 'disk-converted.vmdk');
  await expect(wizard.getByTestId('convert-output')).toHaveValue(output);
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.getByTestId('finish-headline')).toHaveText('✓ Converted and verified', { timeout: 60_000 });

  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', output], { encoding: 'utf8' })) as {
    format: string;
    'virtual-size': number;
    'format-specific': { data: { 'create-type': string } };
  };
  expect(info.format).toBe('vmdk');
  expect(info['virtual-size']).toBe(32 * MiB);
  expect(info['format-specific'].data['create-type']).toBe('streamOptimized');
  const head = (await readFile(output)).subarray(0, 64 * 1024).toString('latin1');
  expect(head).toContain('ddb.adapterType = "pvscsi"');
  execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, output]);
});

test('the destinations at 800x600 in dark: no horizontal scroll, every choice a sentence', async ({ app, dir }) => {
  await app.setViewportSize({ width: 800, height: 600 });
  await app.emulateMedia({ colorScheme: 'dark' });
  await writeDataRaw(join(dir, 'small.img'), 4 * MiB, 2 * MiB);
  await drop(app, ['small.img']);
  const wizard = app.getByTestId('convert-wizard');
  await wizard.getByTestId('wizard-next').click();
  const choices = wizard.locator('[data-testid^="convert-destination-"]');
  await expect(choices).toHaveCount(8);
  for (const choice of await choices.all()) await expect(choice.locator('small')).not.toBeEmpty();
  const overflow = await app.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  await shot(app, 'convert-step-2-target-800x600-dark');
  await wizard.getByTestId('convert-dest-custom').check();
  await shot(app, 'convert-step-2-custom-800x600-dark');
});
