// Bad files: a file that is not an image and a truncated VHD each show one clear sentence, a remedy and a code,
// and nothing opens; damage that Repair fixes offers Check… right on the error.
import { createHash } from 'node:crypto';
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage } from '../../electron/engine/ops/convert';
import { pyvhdiHash } from '../helpers/tools';
import { drop, expect, shot, test } from './app-test';
import { copyFixture, writeDataRaw } from './helpers';

const MiB = 1024 * 1024;

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

test('a VHD cut short inside its last block: Check… on the error repairs it, and then it opens', async ({
  app,
  dir,
}) => {
  // 16 MiB, 2 MiB blocks, each holding 1 MiB of data; the copy loses its footer and half of its last block.
  const raw = join(dir, 'data.img');
  await writeDataRaw(raw, 16 * MiB, 2 * MiB);
  const path = join(dir, 'cut.vhd');
  await convertImage({ input: raw, output: path, blockSize: 2 * MiB });
  await truncate(path, (await stat(path)).size - 512 - MiB);
  const source = await readFile(path);

  await drop(app, ['cut.vhd']);
  const error = app.getByTestId('open-error');
  await expect(error).toHaveAttribute('data-code', 'VHD_BAT_OUT_OF_RANGE');
  await shot(app, 'error-check-offered');
  await error.getByTestId('open-error-check').click();
  const wizard = app.getByTestId('check-wizard');
  await expect(wizard.locator('.problems li').first()).toBeVisible();
  // Checking wrote nothing; Close goes back Home, where the error still stands, since the image is not open.
  expect(Buffer.compare(await readFile(path), source)).toBe(0);
  await wizard.getByRole('button', { name: 'Close' }).click();
  await expect(app.getByTestId('home-view')).toBeVisible();
  await app.getByTestId('open-error').getByTestId('open-error-check').click();

  await app.getByTestId('check-show-plan').click();
  await app.getByTestId('check-run-repair').click();
  await expect(app.getByTestId('check-after-clean')).toBeVisible();
  await expect(app.getByTestId('check-reload')).toHaveText('Open the image');
  await app.getByTestId('check-reload').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);
  await expect(app.getByTestId('open-error')).toHaveCount(0);

  // libvhdi reads the disk as it was, with the cut block (the last 2 MiB) now zeros.
  const expected = await readFile(raw);
  expected.fill(0, 14 * MiB);
  expect(await pyvhdiHash(path)).toBe(createHash('sha256').update(expected).digest('hex'));
});
