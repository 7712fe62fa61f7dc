// Check, Repair and Verify hash from the Image view: a clean fixture checks clean, a damaged one lists its problems
// in words, repair shows its plan and then fixes the image, and the content hash equals the manifest's.
import { open, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { checkImage } from '../../electron/engine/ops/check';
import { convertImage } from '../../electron/engine/ops/convert';
import { hashImage } from '../../electron/engine/ops/hash';
import { entryOf } from '../helpers/fixtures';
import { drop, expect, shot, test } from './app-test';
import { copyFixture, writeDataRaw } from './helpers';

test('Check on a clean image, then on one with a damaged block table entry', async ({ app, dir }) => {
  const path = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  await app.getByTestId('action-check').click();
  await expect(app.getByTestId('check-clean')).toBeVisible();
  await shot(app, 'check-clean');

  // Point block 0 past the end of the file: the BAT starts where the dynamic header (at offset 512) says.
  const file = await open(path, 'r+');
  const header = Buffer.alloc(24);
  await file.read(header, 0, 24, 512);
  const batOffset = Number(header.readBigUInt64BE(16));
  const entry = Buffer.alloc(4);
  entry.writeUInt32BE(0x00ffffff);
  await file.write(entry, 0, 4, batOffset);
  await file.close();
  await app.getByRole('button', { name: 'Check again' }).click();
  await expect(app.getByTestId('check-problems')).toContainText(/problems? found/);
  await expect(app.getByTestId('check-wizard').locator('.problems li').first()).toContainText('Error');
  await shot(app, 'check-problems');
});

test('Verify hash gives the content SHA-256 the manifest records', async ({ app, dir }) => {
  const entry = entryOf('vhd/qemu-dynamic-ext2.vhd');
  expect(entry?.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  await copyFixture('vhd/qemu-dynamic-ext2.vhd', dir);
  await drop(app, ['qemu-dynamic-ext2.vhd']);
  await expect(app.getByTestId('contents-whole')).toHaveText(
    'No partition table: the whole disk holds ext2, “ext2_test”.',
  );
  await app.getByTestId('action-hash').click();
  await expect(app.getByTestId('image-hash')).toHaveText(`Content SHA-256: ${entry?.contentSha256}`);
  await expect(app.getByTestId('jobs-panel').locator('[data-op="hash"]')).toHaveAttribute('data-state', 'succeeded');
  await shot(app, 'image-view-hash');
});

test('Repair an image whose end footer was cut off: the plan, the repair job, a clean check after', async ({
  app,
  dir,
}) => {
  const MiB = 1024 * 1024;
  const raw = join(dir, 'data.img');
  await writeDataRaw(raw, 16 * MiB, 4 * MiB);
  const path = join(dir, 'cut.vhd');
  await convertImage({ input: raw, output: path, blockSize: 2 * MiB });
  const sound = await hashImage(path);
  // A copy cut short: the footer at the end is gone, only the copy at the head remains.
  await truncate(path, (await stat(path)).size - 512);
  expect((await checkImage(path)).clean).toBe(false);

  await drop(app, ['cut.vhd']);
  await app.getByTestId('action-check').click();
  await expect(app.getByTestId('check-problems')).toContainText(/problems? found/);
  const wizard = app.getByTestId('check-wizard');
  await expect(wizard.locator('.problems li').first()).toBeVisible();

  // Enter on the focused "Show what repair will change" runs the dry run; nothing is written.
  await expect(app.getByTestId('check-show-plan')).toBeFocused();
  const before = await readFile(path);
  await app.keyboard.press('Enter');
  await expect(wizard).toHaveAttribute('data-step', 'plan');
  const changes = app.getByTestId('check-plan-changes').locator('li');
  await expect(changes.first()).toBeVisible();
  await expect(app.getByTestId('check-run-repair')).toBeVisible();
  const planned = await changes.count();
  expect(Buffer.compare(await readFile(path), before)).toBe(0);
  await shot(app, 'check-repair-plan');

  await app.getByTestId('check-run-repair').click();
  await expect(wizard).toHaveAttribute('data-step', 'repair');
  await expect(app.getByTestId('check-after-clean')).toBeVisible();
  // The wizard shows the repair, and its plan was a dry run: the Jobs panel repeats neither.
  await expect(app.getByTestId('jobs-panel').locator('[data-op="repair"]')).toHaveCount(0);
  await expect(app.getByTestId('check-repair-result').locator('.changes li')).toHaveCount(planned);
  await expect(app.getByTestId('check-rolled-back')).toHaveCount(0);
  await shot(app, 'check-repair-done');
  await app.emulateMedia({ colorScheme: 'dark' });
  await shot(app, 'dark-check-repair-done');
  await app.emulateMedia({ colorScheme: 'light' });

  await app.getByTestId('check-reload').click();
  await expect(app.getByTestId('check-reloaded')).toBeVisible();

  const after = await checkImage(path);
  expect(after.problems).toEqual([]);
  expect(after.clean).toBe(true);
  expect((await hashImage(path)).sha256).toBe(sound.sha256);
});
