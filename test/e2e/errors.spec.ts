// Bad files: a file that is not an image and a truncated VHD each show one clear sentence, a remedy and a code,
// and nothing opens.
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { drop, expect, shot, test } from './app-test';
import { copyFixture } from './helpers';

test('a file named .vhd that is not an image: a clear error, nothing opens', async ({ app, dir }) => {
  await writeFile(join(dir, 'notes.vhd'), 'these are my notes, not a disk\n'.repeat(40));
  await drop(app, ['notes.vhd']);
  const error = app.getByTestId('open-error');
  await expect(error).toContainText('Could not open notes.vhd');
  await expect(error.locator('.message')).not.toBeEmpty();
  await expect(error.locator('.remedy')).toContainText('What to do:');
  await expect(error).toHaveAttribute('data-code', 'UNSUPPORTED');
  await expect(app.getByTestId('home-view')).toBeVisible();
  await shot(app, 'error-not-an-image');
});

test('a truncated VHD: a clear error naming the problem', async ({ app, dir }) => {
  const path = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir, 'cut.vhd');
  const file = await open(path, 'r+');
  const { size } = await file.stat();
  await file.truncate(Math.floor(size / 3));
  await file.close();
  await drop(app, ['cut.vhd', 'missing.vhd']);
  const errors = app.getByTestId('open-error');
  await expect(errors).toHaveCount(2);
  await expect(errors.nth(0)).toContainText('Could not open cut.vhd');
  await expect(errors.nth(0).locator('.remedy')).toContainText('What to do:');
  await expect(errors.nth(0)).toHaveAttribute('data-code', /^VHD_/);
  await expect(errors.nth(1)).toContainText('Could not open missing.vhd');
  await expect(errors.nth(1)).toHaveAttribute('data-code', 'NOT_FOUND');
  await shot(app, 'error-truncated');
});
