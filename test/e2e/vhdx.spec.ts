// VHDX through the wizards, checked through the real handler table (image:info, as the Image view reads it): a
// dynamic VHDX with 1 MiB blocks and 4096-byte sectors made in Create, a VHD converted with the wsl preset, and
// Compact offered from the image's capabilities (a dynamic VHDX yes, a fixed VHD no).
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { askImageInfo, drop, expect, shot, test } from './app-test';
import { copyFixture } from './helpers';

const MiB = 1024 * 1024;

/** The first 8 bytes of the file: a VHDX starts with its file type identifier, "vhdxfile". */
async function signature(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read(Buffer.alloc(8), 0, 8, 0);
    return buffer.toString('latin1');
  } finally {
    await file.close();
  }
}

test('Create a dynamic VHDX with 1 MiB blocks and 4096-byte sectors: the file is what was asked', async ({
  app,
  dir,
  bridge,
}) => {
  await app.getByTestId('nav-create').click();
  const wizard = app.getByTestId('create-wizard');
  await expect(wizard.getByTestId('create-vhd')).toBeChecked();
  await expect(wizard.getByTestId('create-logical-sector')).toHaveCount(0);
  await wizard.getByTestId('create-vhdx').check();
  // The format's own default block size is preselected; its sector sizes appear.
  await expect(wizard.getByTestId('create-block-size')).toHaveValue(String(32 * MiB));
  await expect(wizard.getByTestId('create-physical-sector')).toHaveValue('4096');
  await wizard.getByTestId('create-size').fill('64M');
  await wizard.getByTestId('create-block-size').selectOption({ label: '1 MiB (recommended)' });
  await wizard.getByTestId('create-logical-sector').selectOption('4096');
  await shot(app, 'create-vhdx-kind');
  await wizard.getByTestId('wizard-next').click();

  const path = join(dir, 'new.vhdx');
  bridge.dialogs.answerSave(path);
  await wizard.getByTestId('create-path-choose').click();
  await expect(wizard.getByTestId('create-path')).toHaveValue(path);
  expect(bridge.dialogs.requests.at(-1)).toEqual({ purpose: 'vhdx', defaultPath: 'disk.vhdx' });
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('create-summary-format')).toHaveText('VHDX');
  await expect(wizard.getByTestId('create-summary-sectors')).toHaveText('sectors of 4096 bytes (4096 physical)');
  await shot(app, 'create-vhdx-summary');
  await wizard.getByTestId('wizard-run').click();

  await expect(wizard.locator('[data-op="create"]')).toHaveAttribute('data-state', 'succeeded');
  await expect(wizard.getByTestId('job-summary')).toHaveText('Created a 64 MiB dynamic disk');
  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);

  expect(await signature(path)).toBe('vhdxfile');
  const info = await askImageInfo(app, path);
  expect(info).toMatchObject({
    format: 'vhdx',
    diskType: 'dynamic',
    virtualSize: 64 * MiB,
    blockSize: MiB,
    logicalSectorSize: 4096,
    physicalSectorSize: 4096,
  });
  await expect(app.getByTestId('fact-format')).toHaveText('VHDX');
  await expect(app.getByTestId('fact-block-size')).toHaveText('1 MiB');
  await expect(app.getByTestId('fact-sectors')).toHaveText('logical 4096 bytes, physical 4096');
  await expect(app.getByTestId('allocation-map')).toHaveAttribute('data-blocks', '64');
  await shot(app, 'image-view-created-vhdx');
});

test('Convert a VHD with the wsl preset: a dynamic VHDX of 1 MiB blocks with the same content', async ({
  app,
  dir,
}) => {
  const source = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', source);
  await app.getByTestId('action-hash').click();
  await expect(app.getByTestId('image-hash')).toHaveText(/^Content SHA-256: [0-9a-f]{64}$/);
  const sourceHash = (await app.getByTestId('image-hash').textContent())?.split(': ')[1];
  await app.getByTestId('action-convert').click();

  const wizard = app.getByTestId('convert-wizard');
  await expect(wizard.getByTestId('convert-detected')).toHaveText(/^VHD, /);
  await wizard.getByTestId('wizard-next').click();
  // Hyper-V asks which Hyper-V; WSL is a destination of its own.
  await wizard.getByTestId('convert-dest-hyperv').check();
  await expect(wizard.getByTestId('convert-preset-hyperv')).toBeChecked();
  await expect(wizard.getByTestId('convert-preset-hyperv-vhd')).toBeVisible();
  await wizard.getByTestId('convert-dest-wsl').check();
  await expect(wizard.getByTestId('convert-preset-writes')).toHaveText(
    'Writes: VHDX, Dynamic, 1 MiB blocks, sectors of 512 bytes (4096 physical)',
  );
  await shot(app, 'convert-wsl-preset');
  await wizard.getByTestId('wizard-next').click();
  const output = join(dir, 'hyperv-dynamic-10m-wsl.vhdx');
  await expect(wizard.getByTestId('convert-output')).toHaveValue(output);
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('convert-summary-target')).toHaveText('WSL');
  await expect(wizard.getByTestId('convert-summary-writes')).toHaveText('VHDX, Dynamic');
  await expect(wizard.getByTestId('convert-summary-block-size')).toHaveText('1 MiB');
  await expect(wizard.getByTestId('convert-summary-sectors')).toHaveText('sectors of 512 bytes (4096 physical)');
  await wizard.getByTestId('wizard-run').click();

  // Read back and compared by the engine; the hash it read is the source's.
  await expect(wizard.getByTestId('finish-headline')).toHaveText('✓ Converted and verified');
  await expect(wizard.getByTestId('finish-hash')).toHaveText(`Content SHA-256: ${sourceHash}`);
  await wizard.getByTestId('wizard-open-result').click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', output);

  expect(await signature(output)).toBe('vhdxfile');
  const info = await askImageInfo(app, output);
  expect(info).toMatchObject({
    format: 'vhdx',
    diskType: 'dynamic',
    virtualSize: 10 * MiB,
    blockSize: MiB,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
  });
  await expect(app.getByTestId('fact-format')).toHaveText('VHDX');
  await expect(app.getByTestId('fact-block-size')).toHaveText('1 MiB');
  await expect(app.getByTestId('fact-sectors')).toHaveText('logical 512 bytes, physical 4096');
  await app.getByTestId('action-hash').click();
  await expect(app.getByTestId('image-hash')).toHaveText(`Content SHA-256: ${sourceHash}`);
  await shot(app, 'image-view-converted-wsl');
});

test('Compact is offered from capabilities: enabled for a dynamic VHDX, disabled for a fixed VHD', async ({
  app,
  dir,
}) => {
  const vhdx = await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
  const fixed = await copyFixture('vhd/hyperv-fixed-10m.vhd', dir);
  await drop(app, ['hyperv-fixed-10m.vhd', 'hyperv-dynamic-10m.vhdx']);

  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', vhdx);
  expect((await askImageInfo(app, vhdx)).capabilities.compact).toBe(true);
  await expect(app.getByTestId('action-compact')).toBeEnabled();

  await app.getByRole('tab', { name: 'hyperv-fixed-10m.vhd', exact: true }).click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', fixed);
  expect((await askImageInfo(app, fixed)).capabilities.compact).toBe(false);
  await expect(app.getByTestId('action-compact')).toBeDisabled();
  await expect(app.getByTestId('action-compact')).toHaveAttribute(
    'title',
    'A fixed disk holds every block in the file: there is nothing to drop.',
  );

  // The VHDX's Compact wizard scans its blocks, as a VHD's does.
  await app.getByRole('tab', { name: 'hyperv-dynamic-10m.vhdx', exact: true }).click();
  await app.getByTestId('action-compact').click();
  const wizard = app.getByTestId('compact-wizard');
  await expect(wizard.getByTestId('compact-estimate')).toBeVisible();
  await expect(wizard.getByTestId('compact-estimated')).toContainText('Compacting will drop');
  await shot(app, 'compact-vhdx-estimate');
});
