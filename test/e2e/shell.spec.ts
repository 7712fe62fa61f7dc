// The window as a desktop app: a drop anywhere opens, tabs from the keyboard, Preferences in its own view, an
// 800x600 window without sideways scrolling, focus back on the control that opened a wizard, and an output that
// exists said before the job starts, with Replace or a free name to use instead.
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, shot, test } from './app-test';
import { hashImage } from '../../electron/engine/ops/hash';
import { copyFixture, sha256OfFile, writeDataRaw } from './helpers';

const MiB = 1024 * 1024;

/** Drops files from the test's folder on `testId`'s element (the window's listener takes it from there). */
async function dropOn(page: Page, testId: string, names: readonly string[]): Promise<void> {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const name of list) dt.items.add(new File([new Uint8Array(16)], name));
    return dt;
  }, names);
  const target = page.getByTestId(testId);
  await target.dispatchEvent('dragenter', { dataTransfer: transfer });
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

const selectedTab = (page: Page) => page.locator('[role="tab"][aria-selected="true"]');

test('a file dropped on the Image view opens in a new tab', async ({ app, dir }) => {
  const first = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  const second = await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
  await dropOn(app, 'drop-zone', ['hyperv-dynamic-10m.vhd']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', first);
  await dropOn(app, 'image-view', ['hyperv-dynamic-10m.vhdx']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', second);
  await expect(app.getByRole('tab')).toHaveCount(3);
  await expect(selectedTab(app)).toHaveAttribute('data-path', second);
});

test('tabs: one Tab stop, arrows move, Ctrl+Tab cycles, Ctrl+W and Delete close', async ({ app, dir }) => {
  const a = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  const b = await copyFixture('vhd/hyperv-fixed-10m.vhd', dir);
  await dropOn(app, 'drop-zone', ['hyperv-dynamic-10m.vhd', 'hyperv-fixed-10m.vhd']);
  await expect(app.getByRole('tablist')).toBeVisible();
  await expect(app.getByRole('tab')).toHaveCount(3);
  await expect(selectedTab(app)).toHaveAttribute('data-path', b);
  // Only the selected tab is in the Tab order.
  await expect(app.locator('[role="tab"][tabindex="0"]')).toHaveCount(1);
  await selectedTab(app).focus();
  await app.keyboard.press('ArrowLeft');
  await expect(selectedTab(app)).toHaveAttribute('data-path', a);
  await expect(selectedTab(app)).toBeFocused();
  await app.keyboard.press('Home');
  await expect(app.getByTestId('home-view')).toBeVisible();
  await expect(app.getByTestId('nav-home')).toHaveAttribute('aria-selected', 'true');
  await app.keyboard.press('Control+Tab');
  await expect(selectedTab(app)).toHaveAttribute('data-path', a);
  await app.keyboard.press('Control+Shift+Tab');
  await expect(app.getByTestId('home-view')).toBeVisible();
  await app.keyboard.press('Control+Shift+Tab');
  await expect(selectedTab(app)).toHaveAttribute('data-path', b);
  await shot(app, 'tabs');
  await app.keyboard.press('Control+w');
  await expect(app.getByRole('tab')).toHaveCount(2);
  await expect(selectedTab(app)).toHaveAttribute('data-path', a);
  await selectedTab(app).focus();
  await app.keyboard.press('Delete');
  await expect(app.getByRole('tab')).toHaveCount(1);
  await expect(app.getByTestId('home-view')).toBeVisible();
});

test('many tabs scroll sideways in one row; the window never scrolls sideways at 800x600', async ({ app, dir }) => {
  await app.setViewportSize({ width: 800, height: 600 });
  const names: string[] = [];
  for (let i = 0; i < 8; i++) {
    const name = `a-rather-long-disk-image-name-${i}.vhd`;
    await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir, name);
    names.push(name);
  }
  await dropOn(app, 'drop-zone', names);
  await expect(app.getByRole('tab')).toHaveCount(9);
  await expect(app.getByTestId('image-view')).toBeVisible();
  const tabs = await app.getByRole('tab').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().top));
  expect(new Set(tabs).size, 'every tab on one row').toBe(1);
  const list = app.getByRole('tablist');
  expect(await list.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const noSideways = () => app.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) <= window.innerWidth);
  expect(await noSideways(), 'Image view').toBe(true);
  await shot(app, 'small-window-image-view');
  for (const id of ['nav-home', 'nav-preferences', 'nav-create', 'nav-convert']) {
    await app.getByTestId(id).click();
    expect(await noSideways(), id).toBe(true);
  }
  await shot(app, 'small-window-convert');
});

test('Preferences: a view of its own, from the toolbar; the theme is set there', async ({ app, bridge }) => {
  await expect(app.getByTestId('home-view').getByTestId('theme')).toHaveCount(0);
  await expect(app.getByTestId('theme')).toHaveCount(0);
  await app.getByTestId('nav-preferences').click();
  await expect(app.getByTestId('preferences-view')).toBeVisible();
  await app.getByTestId('theme').selectOption('dark');
  await expect.poll(() => bridge.services.settings.get().theme).toBe('dark');
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.getByTestId('preferences-back').click();
  await expect(app.getByTestId('home-view')).toBeVisible();
  // And from the app menu.
  bridge.services.events.emit('app:menu-command', { command: 'preferences' });
  await expect(app.getByTestId('preferences-view')).toBeVisible();
});

test('the menu is told whether an image shows', async ({ app, bridge, dir }) => {
  await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await dropOn(app, 'drop-zone', ['hyperv-dynamic-10m.vhd']);
  await expect(app.getByTestId('image-view')).toBeVisible();
  await expect.poll(() => bridge.services.menuState.get().imageOpen).toBe(true);
  await app.getByTestId('nav-home').click();
  await expect.poll(() => bridge.services.menuState.get().imageOpen).toBe(false);
});

test('a wizard that closes gives the focus back to the button that opened it', async ({ app, dir }) => {
  await app.getByTestId('nav-create').click();
  await expect(app.getByTestId('create-wizard')).toBeVisible();
  await app.getByTestId('create-wizard').getByRole('button', { name: 'Close', exact: true }).click();
  await expect(app.getByTestId('nav-create')).toBeFocused();
  // From the Image view, which is made again when the wizard closes: Escape, then the action button has it.
  await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await dropOn(app, 'drop-zone', ['hyperv-dynamic-10m.vhd']);
  await app.getByTestId('action-resize').click();
  await expect(app.getByTestId('resize-wizard')).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('action-resize')).toBeFocused();
});

test('an output that exists is said before the job starts, with a free name beside it', async ({ app, dir }) => {
  const raw = join(dir, 'disk.img');
  await writeDataRaw(raw, 2 * MiB, MiB);
  // What the wizard suggests is taken already.
  await writeFile(join(dir, 'disk-converted.vhd'), 'not a disk');
  await dropOn(app, 'drop-zone', ['disk.img']);
  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-source')).toHaveValue(raw);
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('convert-dest-custom').check();
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-output')).toHaveValue(join(dir, 'disk-converted.vhd'));
  await expect(wizard.getByTestId('convert-output-exists')).toContainText('disk-converted.vhd already exists');
  await shot(app, 'output-exists');
  await wizard.getByTestId('convert-output-new-name').click();
  await expect(wizard.getByTestId('convert-output')).toHaveValue(join(dir, 'disk-converted (2).vhd'));
  await expect(wizard.getByTestId('convert-output-exists')).toHaveCount(0);
});

test('Replace on an existing output: the old file goes, the job writes the new one', async ({ app, dir }) => {
  const raw = join(dir, 'disk.img');
  await writeDataRaw(raw, 2 * MiB, MiB);
  const output = join(dir, 'disk-converted.vhd');
  await writeFile(output, 'an old file in the way');
  await dropOn(app, 'drop-zone', ['disk.img']);
  const wizard = app.getByTestId('convert-wizard');
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('convert-dest-custom').check();
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-output-exists')).toBeVisible();
  await wizard.getByTestId('convert-output-replace').click();
  await expect(wizard.getByTestId('convert-output-trashed')).toContainText(
    'The old disk-converted.vhd is in the Trash',
  );
  await expect(access(output)).rejects.toThrow();
  await wizard.getByTestId('wizard-next').click();
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.locator('[data-op="convert"]')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  // The new file is the converted disk (its content hashes as the raw source), not the old file.
  expect((await hashImage(output)).sha256).toBe(await sha256OfFile(raw));
});

test('a radio group is one Tab stop, and the arrow keys choose within it', async ({ app }) => {
  await app.getByTestId('nav-create').click();
  const vhd = app.getByTestId('create-vhd');
  await expect(vhd).toBeChecked();
  await vhd.focus();
  await app.keyboard.press('ArrowDown');
  await expect(app.getByTestId('create-vhdx')).toBeChecked();
  await expect(app.getByTestId('create-vhdx')).toBeFocused();
  // Tab leaves the group: it does not stop on the other formats.
  await app.keyboard.press('Tab');
  await expect(app.locator('input[type="radio"][name="create-format"]:focus')).toHaveCount(0);
});
