// The Image view answers "what is this disk?" first: one plain summary line, the identity fields collapsed under
// Details, no alarm for a plain disk, sizes that differ told in exact bytes, and actions that cannot run disabled
// with the reason (a child whose parent is missing offers only Fix parent and Check).
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { drop, expect, shot, test } from './app-test';
import { copyFixture } from './helpers';

test('the summary line says what each disk is, in plain words', async ({ app, dir }) => {
  const cases: [string, string | RegExp][] = [
    [
      'vhd/hyperv-dynamic-10m.vhd',
      '10 MiB Hyper-V disk (VHD, dynamic), one NTFS partition “New Volume”, 6.02 MiB on disk',
    ],
    [
      'vhdx/hyperv-fixed-10m.vhdx',
      '10 MiB Hyper-V disk (VHDX, fixed), one NTFS partition “New Volume”, 14 MiB on disk',
    ],
    [
      'vdi/qemu-dynamic-10m.vdi',
      '10 MiB qemu-img disk (VDI, dynamic), no partition table or file system found, 9.00 MiB on disk',
    ],
    [
      'vmdk/vmware-vdiskmanager/monolithicSparse.vmdk',
      '10 MiB VMware disk (VMDK, dynamic, monolithic sparse), one NTFS partition “test_disk”, 3.31 MiB on disk',
    ],
    [
      'qcow2/freebsd-mkimg-v2-gpt.qcow2',
      '4.19 MiB QEMU disk (qcow2, dynamic), 2 partitions (FreeBSD UFS, FreeBSD swap), 4.44 MiB on disk',
    ],
  ];
  for (const [file, summary] of cases) {
    const path = await copyFixture(file, dir);
    const name = path.slice(dir.length + 1);
    await app.getByTestId('nav-home').click();
    await drop(app, [name]);
    await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', path);
    await expect(app.getByTestId('image-summary')).toHaveText(summary);
  }
  await shot(app, 'image-view-summary-qcow2');
});

test('a plain disk: Details collapsed, no amber warning, Azure a neutral line with a plain button', async ({
  app,
  dir,
}) => {
  const path = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  const info = await inspectImage(path);
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  const view = app.getByTestId('image-view');
  await expect(view.getByTestId('image-summary')).toBeVisible();

  // The identity fields are there, under a collapsed Details.
  const details = view.getByTestId('image-details');
  await expect(details).not.toHaveAttribute('open');
  await expect(details.getByTestId('fact-uuid')).toBeHidden();
  await expect(details.getByTestId('fact-uuid')).toHaveText(info.uuid);
  await shot(app, 'image-view-plain-disk');
  await details.locator('summary').click();
  await expect(details.getByTestId('fact-uuid')).toBeVisible();
  await expect(details.getByTestId('fact-creator')).toHaveText('win 10.0 (Wi2k)');
  await expect(details.getByTestId('fact-made-by')).toHaveText('Hyper-V');
  await shot(app, 'image-view-details-open');

  // No alarm: nothing amber, though it is not ready for Azure and Virtual PC reads the geometry.
  await expect(view.locator('.warn')).toHaveCount(0);
  const azure = view.getByTestId('azure');
  await expect(azure.locator('span')).toHaveText('For Azure, a copy is needed: type is dynamic, Azure takes fixed.');
  await expect(azure.getByTestId('azure-fix')).not.toHaveClass(/primary/);
  await expect(view.locator('button.primary')).toHaveCount(1);
  await expect(view.locator('button.primary')).toHaveAttribute('data-testid', 'action-convert');
});

test('sizes that differ are told in exact bytes and by how much', async ({ app, dir }) => {
  // Hyper-V made it: only Virtual PC (the geometry) reads less, a fact, not a warning.
  const hyperV = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  const h = (await inspectImage(hyperV)).consumerSizes;
  const fewer = (h.hyperV - h.virtualPc).toLocaleString('en-US');
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  const consumers = app.getByTestId('consumers');
  await expect(consumers.getByTestId('consumer-virtualPc-diff')).toHaveText(
    `Virtual PC sees ${h.virtualPc.toLocaleString('en-US')} bytes: ${fewer} fewer`,
  );
  await expect(consumers.getByTestId('consumer-hyperV')).toHaveText('10,485,760 bytes');
  await expect(consumers.getByTestId('consumers-verdict')).not.toHaveClass(/warn/);

  // VirtualBox made this one: qemu-img reads its size from the geometry, which Hyper-V does not: a real difference.
  const vbox = await copyFixture('vhd/virtualbox-fixed-y.vhd', dir);
  const v = (await inspectImage(vbox)).consumerSizes;
  expect(v.qemuImg).toBeLessThan(v.hyperV);
  await app.getByTestId('nav-home').click();
  await drop(app, ['virtualbox-fixed-y.vhd']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', vbox);
  await expect(consumers.getByTestId('consumer-qemuImg-diff')).toHaveText(
    `qemu-img sees ${v.qemuImg.toLocaleString('en-US')} bytes: ${(v.hyperV - v.qemuImg).toLocaleString('en-US')} fewer`,
  );
  await expect(consumers.getByTestId('consumers-verdict')).toHaveClass(/warn/);
  await shot(app, 'image-view-consumers-differ');
});

test('a child whose parent is missing: only Fix parent and Check are enabled, the rest say why', async ({
  app,
  dir,
}) => {
  await copyFixture('vhd/windows-differencing-parent-missing.vhd', dir);
  await drop(app, ['windows-differencing-parent-missing.vhd']);
  await expect(app.getByTestId('image-summary')).toHaveText(
    /^4 MiB Hyper-V disk \(VHD, differencing\), its parent fat-parent\.vhd is missing, /,
  );
  const actions = app.getByRole('navigation', { name: 'Actions' });
  await expect(actions.getByTestId('action-fix-parent')).toBeEnabled();
  await expect(actions.getByTestId('action-fix-parent')).toHaveClass(/primary/);
  await expect(actions.getByTestId('action-check')).toBeEnabled();
  const reason = 'The parent disk is missing: use Fix parent… to point this disk at it first.';
  for (const id of ['convert', 'compact', 'child', 'resize', 'merge', 'hash']) {
    const button = actions.getByTestId(`action-${id}`);
    await expect(button).toBeDisabled();
    await expect(button).toHaveAttribute('title', reason);
    await expect(button).toHaveAccessibleDescription(reason);
  }
  // Every other button of the bar (Show in folder) works on the file, not its content.
  const enabled = actions.locator('button:enabled');
  await expect(enabled).toHaveText(['Fix parent…', 'Check…', 'Show in folder']);
  await expect(app.getByTestId('azure-fix')).toBeDisabled();
  // The chain panel says the parent is missing, with the remedy; the facts do not repeat it as a warning.
  await expect(app.getByTestId('chain')).toContainText('fat-parent.vhd');
  await expect(app.getByTestId('warnings')).toHaveCount(0);
  await shot(app, 'image-view-missing-parent-actions');
});

test('Fix parent… in the action bar runs the chain fix: the dialog asks for the parent', async ({
  app,
  dir,
  bridge,
}) => {
  await copyFixture('vhd/windows-differencing-parent-missing.vhd', dir);
  await drop(app, ['windows-differencing-parent-missing.vhd']);
  bridge.dialogs.answerOpen();
  await app.getByTestId('action-fix-parent').click();
  await expect.poll(() => bridge.dialogs.requests).toEqual([{ purpose: 'parent' }]);
});
