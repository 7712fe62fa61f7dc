// Check and Verify hash from the Image view: a clean fixture checks clean, a damaged one lists its problems in
// words, and the content hash equals the one the fixture manifest records.
import { readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { drop, expect, shot, test, FIXTURES_DIR } from './app-test';
import { copyFixture } from './helpers';

interface ManifestEntry {
  readonly file: string;
  readonly contentSha256?: string;
}

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
  await expect(app.getByTestId('check-problems')).toContainText('problems found');
  await expect(app.getByTestId('check-wizard').locator('.problems li').first()).toContainText('Error');
  await shot(app, 'check-problems');
});

test('Verify hash gives the content SHA-256 the manifest records', async ({ app, dir }) => {
  const manifest = JSON.parse(await readFile(join(FIXTURES_DIR, 'manifest.json'), 'utf8')) as ManifestEntry[];
  const entry = manifest.find((e) => e.file === 'vhd/qemu-dynamic-ext2.vhd');
  expect(entry?.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  await copyFixture('vhd/qemu-dynamic-ext2.vhd', dir);
  await drop(app, ['qemu-dynamic-ext2.vhd']);
  await app.getByTestId('action-hash').click();
  await expect(app.getByTestId('image-hash')).toHaveText(`Content SHA-256: ${entry?.contentSha256}`);
  await expect(app.getByTestId('jobs-panel').locator('[data-op="hash"]')).toHaveAttribute('data-state', 'succeeded');
  await shot(app, 'image-view-hash');
});
