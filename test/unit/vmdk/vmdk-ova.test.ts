// An OVA (a ustar tar: the .ovf first, then its disks) opens as the VMDK inside it, read in place: info lists its
// disks, hash and convert read the first one exactly as qemu-img reads that VMDK on its own.
import { execFileSync } from 'node:child_process';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { vmdkDriver } from '../../../electron/engine/formats/vmdk/driver';
import type { VmdkInfo } from '../../../electron/engine/formats/vmdk/vmdk-info';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { sha256File, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();

/** A tar as OVF exports write it (POSIX ustar, the descriptor first), by Python's tarfile. */
function tar(output: string, dir: string, names: string[]): void {
  const script = `import tarfile, sys
with tarfile.open(sys.argv[1], 'w', format=tarfile.USTAR_FORMAT) as t:
    for n in sys.argv[3:]: t.add(sys.argv[2] + '/' + n, arcname=n)`;
  execFileSync('/usr/bin/python3', ['-c', script, output, dir, ...names]);
}

describe.skipIf(!tools.qemuImg)('OVA', () => {
  it('reads its first disk in place, lists every disk, converts it', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, 9 * MiB + 512, [
      [0, 100000],
      [5 * MiB, 300000],
    ]);
    await convertImage({ input: raw, output: join(dir, 'disk1.vmdk'), subformat: 'stream-optimized' });
    await run('qemu-img', [
      'create',
      '-q',
      '-f',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      join(dir, 'disk2.vmdk'),
      '3M',
    ]);
    await writeFile(join(dir, 'vm.ovf'), '<?xml version="1.0"?><Envelope/>\n');
    const ova = join(dir, 'vm.ova');
    tar(ova, dir, ['vm.ovf', 'disk1.vmdk', 'disk2.vmdk']);
    const truth = await sha256File(raw);
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, join(dir, 'disk1.vmdk')])).toContain(
      'identical',
    );
    expect(await hashImage(ova)).toMatchObject({ sha256: truth, virtualSize: 9 * MiB + 512 });
    const info = (await vmdkDriver.describe!(ova)).info as VmdkInfo;
    expect(info.createType).toBe('streamOptimized');
    expect(info.ova?.disks.map((d) => d.name)).toEqual(['disk1.vmdk', 'disk2.vmdk']);
    expect(info.ova?.disk).toBe(`${ova}:disk1.vmdk`);
    expect((await checkImage(ova)).problems).toEqual([]);
    await convertImage({ input: ova, output: join(dir, 'out.raw') });
    expect(await sha256File(join(dir, 'out.raw'))).toBe(truth);
    // Cut short inside the disk: a typed error naming the OVA.
    const bytes = await readFile(ova);
    await truncate(ova, Math.floor(bytes.length * 0.4));
    const error = await hashImage(ova).catch((e: unknown) => e);
    expect(isPlatterError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain('vm.ova');
  });
});
