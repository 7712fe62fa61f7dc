// Resize and Merge through their wizards, checked against the engine: the new size, and a merged parent that
// reads as its child did.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage } from '../../electron/engine/ops/convert';
import { convertToChild } from '../../electron/engine/ops/convert-delta';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { drop, expect, shot, test } from './app-test';
import { writeDataRaw } from './helpers';

const MiB = 1024 * 1024;

test('Resize a dynamic VHD from 16 MiB to 40 MiB; the data stays', async ({ app, dir }) => {
  const raw = join(dir, 'data.img');
  await writeDataRaw(raw, 16 * MiB, 4 * MiB);
  const path = join(dir, 'disk.vhd');
  await convertImage({ input: raw, output: path });
  const before = (await hashImage(path)).sha256;

  await drop(app, ['disk.vhd']);
  await app.getByTestId('action-resize').click();
  const wizard = app.getByTestId('resize-wizard');
  await expect(wizard.getByTestId('resize-size')).toHaveValue('16MiB');
  await expect(wizard.getByTestId('wizard-next')).toBeDisabled();
  await wizard.getByTestId('resize-size').fill('40M');
  await shot(app, 'resize-step-1-size');
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('resize-summary')).toContainText('40 MiB');
  await shot(app, 'resize-step-2-summary');
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.getByTestId('resize-result')).toContainText('Resized from 16 MiB to 40 MiB');
  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('40 MiB');

  const info = await inspectImage(path);
  expect(info.virtualSize).toBe(40 * MiB);
  expect(info.uuid).toBeTruthy();
  // The first 16 MiB are unchanged: the grown disk hashes as the old content plus zeros.
  const { createHash } = await import('node:crypto');
  const { readFile } = await import('node:fs/promises');
  const grown = createHash('sha256')
    .update(await readFile(raw))
    .update(Buffer.alloc(24 * MiB))
    .digest('hex');
  expect((await hashImage(path)).sha256).toBe(grown);
  expect(before).not.toBe(grown);
});

test('Merge a child into its parent: the parent then reads as the child did', async ({ app, dir }) => {
  const baseRaw = join(dir, 'base.img');
  const changedRaw = join(dir, 'changed.img');
  await writeDataRaw(baseRaw, 16 * MiB, 4 * MiB);
  await writeDataRaw(changedRaw, 16 * MiB, 2 * MiB);
  const base = join(dir, 'base.vhd');
  const child = join(dir, 'child.vhd');
  await convertImage({ input: baseRaw, output: base });
  await convertToChild({ input: changedRaw, output: child, parent: base });
  const childHash = (await hashImage(child)).sha256;
  expect((await hashImage(base)).sha256).not.toBe(childHash);

  await drop(app, ['child.vhd']);
  await app.getByTestId('action-merge').click();
  const wizard = app.getByTestId('merge-wizard');
  await expect(wizard.getByTestId('merge-into')).toContainText('into base.vhd');
  await shot(app, 'merge-step-1-what');
  await wizard.getByTestId('wizard-next').click();
  await shot(app, 'merge-step-2-summary');
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.getByTestId('merge-result')).toContainText('into base.vhd');
  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', base);

  expect((await hashImage(base)).sha256).toBe(childHash);
  await expect(access(child)).rejects.toThrow();
});
