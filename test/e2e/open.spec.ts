// Opening images: by drop and by the Open dialog; the Image view's facts and allocation map for real fixtures,
// checked against the engine's own reading.
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createImage } from '../../electron/engine/ops/create';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { VHD_MAX_SIZE } from '../../shared/units';
import { drop, expect, shot, test } from './app-test';
import { copyFixture, writeDataRaw } from './helpers';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

test('a VHD dropped on Home opens in the Image view with its facts, and lands in Recent', async ({ app, dir }) => {
  await shot(app, 'home-empty');
  const path = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await drop(app, ['hyperv-dynamic-10m.vhd']);

  const view = app.getByTestId('image-view');
  await expect(view).toHaveAttribute('data-path', path);
  await expect(app.getByTestId('image-summary')).toHaveText(
    '10 MiB Hyper-V disk (VHD, dynamic), one NTFS partition “New Volume”, 6.02 MiB on disk',
  );
  await expect(app.getByTestId('fact-type')).toHaveText('Dynamic');
  await expect(app.getByTestId('fact-format')).toHaveText('VHD');
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('10 MiB');
  await expect(app.getByTestId('fact-virtual-size').locator('span')).toHaveAttribute('title', '10,485,760 bytes');
  await expect(app.getByTestId('fact-creator')).toContainText('win');
  await expect(app.getByTestId('fact-checksum')).toHaveText(/valid/);
  // Inside: the MBR and its NTFS partition with the label Windows gave it (as sfdisk and blkid read them).
  const contents = app.getByTestId('contents');
  await expect(contents.getByTestId('contents-table')).toHaveText('MBR partition table, disk signature 0x8cad3de1');
  const partition = contents.locator('tbody tr');
  await expect(partition).toHaveCount(1);
  await expect(partition.locator('td')).toHaveText(['1', '7 MiB', 'NTFS/exFAT/HPFS', 'ntfs, “New Volume”']);
  await shot(app, 'image-view-dynamic');

  await app.getByTestId('nav-home').click();
  await expect(app.getByTestId('recent-list')).toContainText('hyperv-dynamic-10m.vhd');
  await expect(app.getByTestId('recent-list')).toContainText('Dynamic');
  await shot(app, 'home-recent');
});

test('Open… shows the dialog and opens every image chosen, one tab each', async ({ app, dir, bridge }) => {
  const a = await copyFixture('vhd/qemu-dynamic-ext2.vhd', dir);
  const b = await copyFixture('vhd/virtualbox-fixed-y.vhd', dir);
  bridge.dialogs.answerOpen(a, b);
  await app.getByTestId('open-button').click();

  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', b);
  expect(bridge.dialogs.requests).toEqual([{ purpose: 'image', multiple: true }]);
  await expect(app.getByTestId('fact-type')).toHaveText('Fixed');
  await expect(app.getByTestId('fact-creator')).toContainText('vbox');
  await expect(app.getByTestId('no-map')).toBeVisible();
  // VirtualBox made it; qemu-img reads this creator's size from the geometry: the panel flags it, in exact bytes.
  const sizes = (await inspectImage(b)).consumerSizes;
  await expect(app.getByTestId('consumer-qemuImg')).toHaveText(`${sizes.qemuImg.toLocaleString('en-US')} bytes`);
  await expect(app.getByTestId('consumers-verdict')).toContainText('Not every hypervisor reads the same size');
  await shot(app, 'image-view-fixed-consumers');

  await app.getByRole('tab', { name: 'qemu-dynamic-ext2.vhd', exact: true }).click();
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', a);
  await expect(app.getByTestId('fact-creator')).toContainText('qemu');
});

test('the allocation map draws one cell per block, matching the engine', async ({ app, dir }) => {
  const path = await copyFixture('vhd/mkimg-dynamic-gpt.vhd', dir);
  const info = await inspectImage(path);
  await drop(app, ['mkimg-dynamic-gpt.vhd']);
  const map = app.getByTestId('allocation-map');
  await expect(map).toBeVisible();
  expect(info.totalBlocks).not.toBeNull();
  await expect(map).toHaveAttribute('data-blocks', String(info.totalBlocks));
  await expect(map).toHaveAttribute('data-cells', String(info.totalBlocks));
  await expect(app.getByTestId('map-counts')).toContainText(`${info.allocatedBlocks} of ${info.totalBlocks} blocks`);
  // The canvas really has the allocated colour where the first block is (block 0 holds the GPT).
  const firstCell = await map.evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d');
    const [r, g, b] = ctx ? ctx.getImageData(2, 2, 1, 1).data : [0, 0, 0];
    return `rgb(${r}, ${g}, ${b})`;
  });
  const allocated = await app.evaluate(() =>
    getComputedStyle(document.documentElement).getPropertyValue('--map-allocated').trim(),
  );
  expect(allocated).toBe('#2f6fdb');
  expect(firstCell).toBe('rgb(47, 111, 219)');
  await shot(app, 'image-view-allocation-map');
});

test('a 2040 GiB disk: over a million blocks fit the map, the written ones visible', async ({ app, dir }) => {
  const path = join(dir, 'huge.vhd');
  await createImage({ path, size: VHD_MAX_SIZE });
  for (const offset of [0, 1024 * GiB, 2000 * GiB])
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P 0x5a ${offset} 4096`, path]);
  const info = await inspectImage(path);
  expect(info.totalBlocks).toBe(1_044_480);
  expect(info.allocatedBlocks).toBe(3);

  await drop(app, ['huge.vhd']);
  const map = app.getByTestId('allocation-map');
  await expect(map).toHaveAttribute('data-blocks', '1044480');
  await expect(app.getByTestId('map-counts')).toContainText('3 of 1,044,480 blocks');
  await expect(app.getByTestId('map-counts')).toContainText(/one cell = \d+ blocks of 2 MiB/);
  const { height, cells } = await map.evaluate((canvas: HTMLCanvasElement) => ({
    height: canvas.getBoundingClientRect().height,
    cells: Number(canvas.dataset.cells),
  }));
  expect(height).toBeLessThanOrEqual(240);
  expect(cells).toBeGreaterThan(10_000);
  // The cell holding block 0 is painted (shaded) in the allocated colour, the next one as zeros.
  const [first, second] = await map.evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d');
    const at = (x: number) => (ctx ? [...ctx.getImageData(x, 0, 1, 1).data] : []);
    return [at(0), at(3)];
  });
  expect(first).not.toEqual(second);
  await shot(app, 'image-view-million-blocks');
});

test('a VHDX opens with its own facts: no footer fields, not Azure-ready by format', async ({ app, dir }) => {
  await copyFixture('vhdx/hyperv-dynamic-10m.vhdx', dir);
  await drop(app, ['hyperv-dynamic-10m.vhdx']);
  await expect(app.getByTestId('fact-format')).toHaveText('VHDX');
  await expect(app.getByTestId('fact-virtual-size')).toHaveText('10 MiB');
  await expect(app.getByTestId('consumers')).toHaveCount(0);
  await expect(app.getByTestId('azure')).toContainText('format is VHDX, Azure takes VHD');
  await expect(app.getByTestId('allocation-map')).toBeVisible();
  await expect(app.getByTestId('contents').locator('tbody tr td').last()).toHaveText('ntfs, “New Volume”');
  await shot(app, 'image-view-vhdx');
});

test('several files dropped: images open in tabs, raw disks queue for Convert', async ({ app, dir }) => {
  await copyFixture('vhd/hyperv-fixed-10m.vhd', dir);
  await writeDataRaw(join(dir, 'one.img'), 4 * MiB, 2 * MiB);
  await writeDataRaw(join(dir, 'two.iso'), 4 * MiB, 2 * MiB);
  await drop(app, ['one.img', 'hyperv-fixed-10m.vhd', 'two.iso']);
  await expect(app.getByTestId('image-view')).toHaveAttribute('data-path', join(dir, 'hyperv-fixed-10m.vhd'));
  await app.getByTestId('nav-home').click();
  await expect(app.getByTestId('raw-queue')).toContainText('one.img, two.iso');
  await app.getByTestId('raw-queue').getByRole('button', { name: 'Convert' }).click();
  await expect(app.getByTestId('convert-wizard').getByTestId('convert-source')).toHaveValue(join(dir, 'one.img'));
  await app.getByTestId('nav-home').click();
  await expect(app.getByTestId('raw-queue')).toHaveText(/two\.iso/);
});
