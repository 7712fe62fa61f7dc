// Images made by qemu-img and written by qemu-io read through Platter exactly as qemu-img converts them to raw.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { useTempDirs } from '../helpers/temp-dir';
import { run, tools } from '../helpers/tools';

const tempDir = useTempDirs();

async function rawHash(image: string, dir: string): Promise<string> {
  const raw = join(dir, 'converted.raw');
  await run('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', image, raw]);
  return createHash('sha256')
    .update(await readFile(raw))
    .digest('hex');
}

// Writes at the start, across a block boundary, in the middle, and in the last sectors.
function writes(size: number): string[] {
  return [
    'write -P 0x11 0 4k',
    `write -P 0x22 ${2 * 1024 * 1024 - 1024} 3k`,
    `write -P 0x33 ${Math.floor(size / 2 / 512) * 512} 64k`,
    `write -P 0x44 ${size - 1024} 1024`,
  ];
}

const cases = [
  { name: 'dynamic', options: 'subformat=dynamic', size: 10 * 1024 * 1024 },
  { name: 'dynamic with force_size', options: 'subformat=dynamic,force_size=on', size: 10 * 1024 * 1024 + 512 * 7 },
  { name: 'fixed', options: 'subformat=fixed', size: 6 * 1024 * 1024 },
  { name: 'fixed with force_size', options: 'subformat=fixed,force_size=on', size: 5 * 1024 * 1024 + 512 * 3 },
  { name: 'dynamic, empty', options: 'subformat=dynamic', size: 3 * 1024 * 1024 },
];

describe.skipIf(!tools.qemuImg || !tools.qemuIo)('VHDs made by qemu-img', () => {
  it.each(cases)('$name: same size and content as qemu-img reads', async ({ name, options, size }) => {
    const dir = await tempDir();
    const image = join(dir, 'disk.vhd');
    await run('qemu-img', ['create', '-q', '-f', 'vpc', '-o', options, image, String(size)]);
    if (!name.includes('empty')) {
      const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vpc', image])) as {
        'virtual-size': number;
      };
      for (const command of writes(info['virtual-size'])) await run('qemu-io', ['-f', 'vpc', '-c', command, image]);
    }
    const qemuSize = (
      JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vpc', image])) as { 'virtual-size': number }
    )['virtual-size'];
    expect((await inspectImage(image)).virtualSize).toBe(qemuSize);
    const ours = await hashImage(image);
    expect(ours.virtualSize).toBe(qemuSize);
    expect(ours.sha256).toBe(await rawHash(image, dir));
  });
});
