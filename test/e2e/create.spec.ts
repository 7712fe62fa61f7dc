// The Create wizard: dynamic and fixed images made through every step, their info in the Image view checked
// against the engine's reading of the file; and a whole wizard run from the keyboard alone.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { expect, shot, test } from './app-test';

const MiB = 1024 * 1024;

test('Create a dynamic image: preset, size, block size, location, summary, then its info', async ({
  app,
  dir,
  bridge,
}) => {
  await app.getByTestId('nav-create').click();
  const wizard = app.getByTestId('create-wizard');
  await expect(wizard.getByTestId('create-size')).toBeFocused();
  await wizard.getByTestId('create-size').fill('96M');
  await wizard.getByTestId('create-block-size').selectOption({ label: '512 KiB (recommended)' });
  await shot(app, 'create-step-1-kind');
  await wizard.getByTestId('wizard-next').click();

  const path = join(dir, 'new-dynamic.vhd');
  bridge.dialogs.answerSave(path);
  await wizard.getByTestId('create-path-choose').click();
  await expect(wizard.getByTestId('create-path')).toHaveValue(path);
  await shot(app, 'create-step-2-location');
  await wizard.getByTestId('wizard-next').click();

  await expect(wizard.getByTestId('create-summary')).toContainText('Dynamic');
  await expect(wizard.getByTestId('create-summary')).toContainText('96 MiB');
  await expect(wizard.getByTestId('create-summary')).toContainText('512 KiB');
  await shot(app, 'create-step-3-summary');
  await wizard.getByTestId('wizard-run').click();

  await expect(wizard.locator('[data-op="create"]')).toHaveAttribute('data-state', 'succeeded');
  await expect(wizard.getByTestId('finish-headline')).toHaveText('✓ Created');
  await expect(wizard.getByTestId('job-summary')).toHaveText('Created a 96 MiB dynamic disk');
  await shot(app, 'create-done');
  await wizard.getByTestId('wizard-open-result').click();

  const info = await inspectImage(path);
  expect(info.diskType).toBe('dynamic');
  expect(info.virtualSize).toBe(96 * MiB);
  expect(info.blockSize).toBe(512 * 1024);
  await expect(app.getByTestId('fact-type')).toHaveText('Dynamic');
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('96 MiB');
  await expect(app.getByTestId('fact-block-size')).toHaveText('512 KiB');
  await expect(app.getByTestId('fact-uuid')).toHaveText(info.uuid);
  await expect(app.getByTestId('allocation-map')).toHaveAttribute('data-blocks', '192');
  await expect(app.getByTestId('azure')).toHaveAttribute('data-ready', 'false');
});

test('Create a fixed image with the azure preset: Azure-ready, file size = size + 512', async ({
  app,
  dir,
  bridge,
}) => {
  await app.getByTestId('nav-create').click();
  const wizard = app.getByTestId('create-wizard');
  await wizard.getByTestId('create-preset').selectOption('azure');
  await expect(wizard.getByTestId('create-fixed')).toBeChecked();
  await wizard.getByTestId('create-size').fill('10 MiB');
  await wizard.getByTestId('wizard-next').click();
  const path = join(dir, 'azure-fixed.vhd');
  bridge.dialogs.answerSave(path);
  await wizard.getByTestId('create-path-choose').click();
  await expect(wizard.getByTestId('create-path')).toHaveValue(path);
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('create-summary')).toContainText('Fixed');
  await wizard.getByTestId('wizard-run').click();
  await wizard.getByTestId('wizard-open-result').click();

  expect((await stat(path)).size).toBe(10 * MiB + 512);
  expect((await inspectImage(path)).diskType).toBe('fixed');
  await expect(app.getByTestId('fact-type')).toHaveText('Fixed');
  await expect(app.getByTestId('fact-file-size').locator('span')).toHaveAttribute('title', '10,486,272 bytes');
  await expect(app.getByTestId('azure')).toHaveAttribute('data-ready', 'true');
  await shot(app, 'image-view-created-fixed');
});

test('a whole Create run from the keyboard alone', async ({ app, dir, bridge }) => {
  const path = join(dir, 'keyboard.vhd');
  // Tab from the top of the window to the header's Create button.
  await app.keyboard.press('Tab');
  let guard = 0;
  while (!(await app.getByTestId('nav-create').evaluate((el) => el === document.activeElement))) {
    await app.keyboard.press('Tab');
    if (++guard > 30) throw new Error('Create is not reachable with Tab');
  }
  await app.keyboard.press('Enter');
  const wizard = app.getByTestId('create-wizard');
  await expect(wizard.getByTestId('create-size')).toBeFocused();
  await app.keyboard.press('ControlOrMeta+a');
  await app.keyboard.type('32M');
  await app.keyboard.press('Enter');
  // Where to save it is chosen in the save dialog: the step starts on Choose…, and Enter opens it.
  await expect(wizard.getByTestId('create-path-choose')).toBeFocused();
  bridge.dialogs.answerSave(path);
  await app.keyboard.press('Enter');
  await expect(wizard.getByTestId('create-path')).toHaveValue(path);
  guard = 0;
  while (!(await wizard.getByTestId('wizard-next').evaluate((el) => el === document.activeElement))) {
    await app.keyboard.press('Tab');
    if (++guard > 5) throw new Error('Next is not reachable with Tab from Choose…');
  }
  await app.keyboard.press('Enter');
  await expect(wizard.getByTestId('create-summary')).toContainText('32 MiB');
  await expect(wizard.getByTestId('wizard-run')).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(wizard.locator('[data-op="create"]')).toHaveAttribute('data-state', 'succeeded');
  await expect(wizard.getByTestId('wizard-run')).toHaveCount(0);
  await expect(wizard.getByTestId('wizard-open-result')).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);
  expect((await inspectImage(path)).virtualSize).toBe(32 * MiB);
  await shot(app, 'keyboard-created');
});
