// Light and dark: the app follows the system's colour scheme, and the theme in Preferences overrides it (saved in
// settings).
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { drop, expect, shot, test } from './app-test';
import { copyFixture, writeDataRaw } from './helpers';

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test.describe('with the system in dark mode', () => {
  test.use({ colorScheme: 'dark' });

  test('the app is dark, down to the allocation map', async ({ app, dir }) => {
    expect(await background(app)).toBe('rgb(21, 24, 29)');
    await shot(app, 'dark-home');
    await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
    await drop(app, ['hyperv-dynamic-10m.vhd']);
    await expect(app.getByTestId('allocation-map')).toBeVisible();
    // The first cell is painted in one of the dark palette's map colours (block 0 of this image is allocated).
    const firstCell = await app.getByTestId('allocation-map').evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d');
      const [r, g, b] = ctx ? ctx.getImageData(1, 1, 1, 1).data : [0, 0, 0];
      return `rgb(${r}, ${g}, ${b})`;
    });
    expect(firstCell).toBe('rgb(91, 147, 240)'); // --map-allocated in dark: #5b93f0
    expect(await background(app)).toBe('rgb(21, 24, 29)');
    await shot(app, 'dark-image-view');
    await app.getByTestId('nav-create').click();
    await shot(app, 'dark-create-wizard');
  });
});

test('the theme in Preferences overrides the system and is saved in settings', async ({ app, bridge }) => {
  expect(await background(app)).toBe('rgb(246, 247, 249)');
  await app.getByTestId('nav-preferences').click();
  await app.getByTestId('theme').selectOption('dark');
  await expect.poll(() => background(app)).toBe('rgb(21, 24, 29)');
  expect(bridge.services.settings.get().theme).toBe('dark');
  await shot(app, 'theme-dark-override');
  await app.getByTestId('theme').selectOption('system');
  await expect.poll(() => background(app)).toBe('rgb(246, 247, 249)');
  expect(bridge.services.settings.get().theme).toBe('system');
});

test('preferences are saved in settings, and Convert starts from the saved verify choice', async ({
  app,
  bridge,
  dir,
}) => {
  await app.getByTestId('nav-preferences').click();
  await expect(app.getByTestId('pref-verify')).toBeChecked();
  await app.getByTestId('pref-verify').uncheck();
  await expect.poll(() => bridge.services.settings.get().verifyAfterConvert).toBe(false);
  await app.getByTestId('pref-notify').check();
  await expect.poll(() => bridge.services.settings.get().notifyWhenDone).toBe(true);

  const raw = join(dir, 'small.img');
  await writeDataRaw(raw, 2 * 1024 * 1024, 1024 * 1024);
  await app.getByTestId('nav-convert').click();
  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('wizard-next')).toBeDisabled();
  bridge.dialogs.answerOpen(raw);
  await wizard.getByTestId('convert-source-choose').click();
  await expect(wizard.getByTestId('convert-detected')).toHaveText('Raw disk, 2 MiB');
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('convert-dest-hyperv').check();
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-verify')).not.toBeChecked();
  await app.getByTestId('nav-preferences').click();
  await expect(app.getByTestId('pref-verify')).not.toBeChecked();
  await shot(app, 'preferences');
});
