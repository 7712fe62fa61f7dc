// Differencing chains: the fixture whose parent is missing, and the Fix flow on a chain made here (base, child,
// base moved away): choosing the right parent is confirmed by its UUID, a wrong one is refused.
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createImage } from '../../electron/engine/ops/create';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { drop, expect, shot, test } from './app-test';
import { copyFixture } from './helpers';

test('the missing-parent fixture shows its chain with the missing parent and a Fix button', async ({ app, dir }) => {
  await copyFixture('vhd/windows-differencing-parent-missing.vhd', dir);
  await drop(app, ['windows-differencing-parent-missing.vhd']);
  await expect(app.getByTestId('fact-type')).toHaveText('Differencing');
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('4 MiB');
  const chain = app.getByTestId('chain');
  await expect(chain.getByTestId('missing-parent')).toHaveText('Missing parent: fat-parent.vhd');
  await expect(chain.locator('[data-code="VHD_PARENT_NOT_FOUND"]')).toBeVisible();
  await expect(chain).toContainText('C:\\Projects\\dfvfs\\test_data\\fat-parent.vhd');
  await expect(chain.getByTestId('fix-parent')).toBeEnabled();
  await expect(app.getByTestId('allocation-map')).toBeVisible();
  await expect(app.getByTestId('contents-unreadable')).toBeVisible();
  await shot(app, 'image-view-missing-parent');
});

test('Fix on a moved parent: a wrong disk is refused, the right one is set and the chain is whole', async ({
  app,
  dir,
  bridge,
}) => {
  await mkdir(join(dir, 'moved'));
  const base = join(dir, 'base.vhd');
  const other = join(dir, 'moved', 'other.vhd');
  const child = join(dir, 'child.vhd');
  const baseInfo = await createImage({ path: base, size: 8 * 1024 * 1024 });
  await createImage({ path: other, size: 8 * 1024 * 1024 });
  await createImage({ path: child, parent: base });
  const moved = join(dir, 'moved', 'base.vhd');
  await rename(base, moved);

  await drop(app, ['child.vhd']);
  const chain = app.getByTestId('chain');
  await expect(chain.getByTestId('missing-parent')).toHaveText('Missing parent: base.vhd');
  await expect(chain).toContainText(baseInfo.uuid);

  bridge.dialogs.answerOpen(other);
  await chain.getByTestId('fix-parent').click();
  const result = chain.getByTestId('fix-result');
  await expect(result.locator('[data-op="set-parent"]')).toHaveAttribute('data-state', 'failed');
  await expect(result.locator('[data-op="set-parent"] [role="alert"]')).toHaveAttribute('data-code', /^VHD_PARENT/);
  await expect(chain.getByTestId('missing-parent')).toBeVisible();
  await shot(app, 'fix-parent-wrong-file');

  bridge.dialogs.answerOpen(moved);
  await chain.getByTestId('fix-parent').click();
  await expect(chain.getByTestId('fix-done')).toHaveText('This disk now points at base.vhd; the chain is read again.');
  await expect(chain.getByTestId('job-open')).toHaveCount(0);
  expect(bridge.dialogs.requests.map((r) => ('purpose' in r ? r.purpose : ''))).toEqual(['parent', 'parent']);
  await expect(chain.locator('li[data-status="found"]')).toHaveCount(2);
  await expect(chain.getByTestId('missing-parent')).toHaveCount(0);
  await expect(chain).toContainText(moved.replace(/.*[\\/]/, ''));
  await shot(app, 'fix-parent-done');

  // The engine agrees: the child reads through its new parent.
  const info = await inspectImage(child);
  expect(info.parent?.resolvedPath ?? null).toBe(moved);
  expect((await hashImage(child)).sha256).toBe((await hashImage(moved)).sha256);
});

test('Create child from the Image view makes an empty differencing disk over its parent', async ({
  app,
  dir,
  bridge,
}) => {
  const base = join(dir, 'base.vhd');
  await createImage({ path: base, size: 16 * 1024 * 1024 });
  await drop(app, ['base.vhd']);
  await app.getByTestId('action-child').click();
  const wizard = app.getByTestId('create-wizard');
  await expect(wizard).toContainText('Create a child of base.vhd');
  const childPath = join(dir, 'child.vhd');
  bridge.dialogs.answerSave(childPath);
  await wizard.getByTestId('create-path-choose').click();
  await expect(wizard.getByTestId('create-path')).toHaveValue(childPath);
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('create-summary')).toContainText(base);
  await wizard.getByTestId('wizard-run').click();
  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', childPath);
  await expect(app.getByTestId('fact-type')).toHaveText('Differencing');
  await expect(app.getByTestId('chain').locator('li[data-status="found"]')).toHaveCount(2);
  await expect(app.getByTestId('map-counts')).toContainText('0 of 8 blocks');
  await shot(app, 'image-view-child-chain');
});
