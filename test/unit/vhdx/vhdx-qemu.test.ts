// Dynamic and fixed VHDX images made by qemu-img and written by qemu-io read exactly as qemu-img converts them.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HEADER_OFFSETS,
  HEADER_SIZE,
  parseHeader,
  serializeHeader,
} from '../../../electron/engine/formats/vhdx/header';
import { readGuid } from '../../../electron/engine/formats/vhdx/guid';
import { openImage } from '../../../electron/engine/image/open-image';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { hashImage } from '../../../electron/engine/ops/hash';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuVirtualSize, run, tools } from '../../helpers/tools';

const MIB = 1024 * 1024;
const tempDir = useTempDirs();

interface Case {
  readonly name: string;
  readonly blockSize: number;
  readonly size: number;
  readonly options?: string;
}

const cases: Case[] = [
  { name: '1 MiB blocks', blockSize: MIB, size: 7 * MIB + 3 * 512 },
  { name: '8 MiB blocks', blockSize: 8 * MIB, size: 40 * MIB },
  { name: '32 MiB blocks', blockSize: 32 * MIB, size: 100 * MIB + 4096 },
  { name: '256 MiB blocks', blockSize: 256 * MIB, size: 300 * MIB },
  { name: 'fixed', blockSize: 8 * MIB, size: 20 * MIB, options: 'subformat=fixed' },
  { name: 'explicit zero blocks off', blockSize: 2 * MIB, size: 9 * MIB, options: 'block_state_zero=off' },
];

/** Writes at the start, across a block boundary, in the middle and in the last block. */
function writes({ blockSize, size }: Case): string[] {
  const middle = Math.floor(size / 2 / 512) * 512 + 4096;
  return [
    'write -P 0x5a 0 1M',
    `write -P 0x33 ${blockSize - 512} 1024`,
    `write -P 0xc7 ${middle} ${Math.min(70000, size - middle)}`,
    `write -P 0x9e ${size - 4096} 4096`,
    `write -z ${Math.min(blockSize, size - MIB)} 4096`,
  ];
}

async function qemuImage(dir: string, c: Case): Promise<string> {
  const path = join(dir, 'disk.vhdx');
  const options = [`block_size=${c.blockSize}`, ...(c.options ? [c.options] : [])].join(',');
  await run('qemu-img', ['create', '-q', '-f', 'vhdx', '-o', options, path, String(c.size)]);
  await run('qemu-io', ['-f', 'vhdx', ...writes(c).flatMap((w) => ['-c', w]), path]);
  return path;
}

async function qemuSha256(dir: string, path: string): Promise<string> {
  const raw = join(dir, 'disk.raw');
  await run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', path, raw]);
  return createHash('sha256')
    .update(await readFile(raw))
    .digest('hex');
}

describe.skipIf(!tools.qemuImg || !tools.qemuIo)('VHDX images from qemu-img', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: same size and content as qemu-img convert', async (_n, c) => {
    const dir = await tempDir();
    const path = await qemuImage(dir, c);
    const ours = await hashImage(path);
    expect(ours.virtualSize).toBe(c.size);
    expect(ours.virtualSize).toBe(await qemuVirtualSize(path, 'vhdx'));
    expect(ours.sha256).toBe(await qemuSha256(dir, path));
  });

  it('replays, as qemu-img does, the log of an image whose log is live, and leaves the file as it was', async () => {
    const dir = await tempDir();
    const path = await qemuImage(dir, cases[0]!);
    const before = await hashImage(path);
    // qemu-io wrote its BAT updates through the log; point the headers back at that log, as after a crash.
    const bytes = await readFile(path);
    const first = parseHeader(bytes.subarray(HEADER_OFFSETS[0], HEADER_OFFSETS[0] + HEADER_SIZE));
    const logGuid = readGuid(bytes, first.logOffset + 32);
    for (const offset of HEADER_OFFSETS) {
      const header = parseHeader(bytes.subarray(offset, offset + HEADER_SIZE));
      bytes.set(serializeHeader({ ...header, logGuid }), offset);
    }
    await writeFile(path, bytes);
    await expect(run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', path, join(dir, 'x.raw')])).rejects.toThrow(
      /log that needs to be replayed/,
    );
    const image = (await openImage(path)) as VhdxImage;
    expect(image.structure.replay?.writes.length).toBeGreaterThan(0);
    await image.close();
    const ours = await hashImage(path);
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0);
    const replayed = join(dir, 'replayed.vhdx');
    await writeFile(replayed, bytes);
    await run('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', replayed]);
    // The log's one entry is older than the BAT it now overwrites: both replays go back to it alike.
    expect(ours.sha256).toBe(await qemuSha256(dir, replayed));
    expect(ours.sha256).not.toBe(before.sha256);
  });
});
