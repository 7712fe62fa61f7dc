// `platter compact` as a user runs it: the dry run first, then the real thing, checked against qemu-img.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platter } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';
import { qemuDynamicVhd, run, tools } from '../../helpers/tools';

const MiB = 1024 ** 2;
const newTempDir = useTempDirs();

describe.skipIf(!tools.qemuImg || !tools.qemuIo)('platter compact', () => {
  it('--dry-run tells what compacting will reclaim and changes nothing; compacting then reclaims exactly that', async () => {
    const path = join(await newTempDir(), 'disk.vhd');
    await qemuDynamicVhd(path, 8 * MiB);
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P 0x5a 0 ${8 * MiB}`, path]);
    await run('qemu-io', ['-f', 'vpc', '-c', `write -P 0 ${2 * MiB} ${4 * MiB}`, path]);
    const before = await readFile(path);

    const dry = await platter('compact', path, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^Compacting .*disk\.vhd would give 4 -> 2 blocks, .* reclaiming 4 MiB \(4195328 bytes\)\n {2}zero blocks: 2 \(4 MiB\); free file-system space: 0 blocks \(0 bytes\) would reclaim\n$/,
    );
    expect(Buffer.compare(await readFile(path), before)).toBe(0);

    const json = JSON.parse((await platter('compact', '--dry-run', '--json', path)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ dryRun: true, blocksBefore: 4, blocksAfter: 2, reclaimedBytes: 4195328 });

    const done = await platter('compact', '-q', path);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('reclaimed 4 MiB (4195328 bytes)');
    expect((await stat(path)).size).toBe(before.length - 4195328);
    expect(await run('qemu-img', ['compare', '-f', 'vpc', '-F', 'raw', path, await pattern(8 * MiB)])).toContain(
      'identical',
    );
  });
});

/** A raw file with what the disk holds: 0x5a everywhere but the 4 MiB zeroed from 2 MiB. */
async function pattern(size: number): Promise<string> {
  const path = join(await newTempDir(), 'expected.img');
  await run('qemu-img', ['create', '-q', '-f', 'raw', path, String(size)]);
  await run('qemu-io', [
    '-f',
    'raw',
    '-c',
    `write -P 0x5a 0 ${2 * MiB}`,
    '-c',
    `write -P 0x5a ${6 * MiB} ${2 * MiB}`,
    path,
  ]);
  return path;
}
