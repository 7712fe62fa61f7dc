// A whole disk or partition as a source (here loop devices over files): its size comes from the device, with the
// addon and without it, a VHD stored on a device reads, and nothing Platter does in place writes to a device.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATTER_BIN } from '../../helpers/cli';
import type { CliResult } from '../../helpers/cli';
import { run, tools } from '../../helpers/tools';

const MiB = 1024 ** 2;

/** Loop devices need root, losetup and a free loop device; a machine without them skips these tests. */
function canAttachLoop(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = join(tmpdir(), `platter-loop-probe-${process.pid}`);
  try {
    writeFileSync(probe, Buffer.alloc(MiB));
    const device = execFileSync('losetup', ['--show', '-f', probe], { encoding: 'utf8', stdio: 'pipe' }).trim();
    execFileSync('losetup', ['-d', device]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

/** The built command in a child process, with extra environment variables. */
function platter(env: Record<string, string>, ...argv: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [PLATTER_BIN, ...argv], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!canAttachLoop() || !tools.qemuImg)('a block device as the source', () => {
  const devices: string[] = [];
  const attach = (file: string) => {
    const device = execFileSync('losetup', ['--show', '-f', file], { encoding: 'utf8' }).trim();
    devices.push(device);
    return device;
  };
  let dir = '';
  let raw = '';
  let rawDevice = '';

  beforeAll(async () => {
    // The folder outlives each test: the devices stay attached to its files until afterAll.
    dir = await mkdtemp(join(tmpdir(), 'platter-device-'));
    // 12 MiB with data in the 2nd and 5th MiB; stat reports the loop device over it as 0 bytes.
    raw = join(dir, 'disk.img');
    const file = await open(raw, 'w');
    await file.truncate(12 * MiB);
    await file.write(randomBytes(MiB), 0, MiB, MiB);
    await file.write(randomBytes(MiB), 0, MiB, 4 * MiB);
    await file.close();
    rawDevice = attach(raw);
  });

  afterAll(async () => {
    for (const device of devices) execFileSync('losetup', ['-d', device]);
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['with the addon', {}],
    ['without it (sysfs)', { PLATTER_NO_NATIVE: '1' }],
  ])('converts to a VHD the size of the device, %s', async (_how, env) => {
    const output = join(dir, `${Object.keys(env).length ? 'js' : 'native'}.vhd`);
    const r = await platter(env, 'convert', '-q', rawDevice, output);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('12 MiB (12582912 bytes)');
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, output])).toContain('identical');
    const info = await platter(env, 'info', rawDevice);
    expect(info.stdout).toMatch(/^Format: +raw device \(a whole disk or a partition\)$/m);
    expect(info.stdout).toMatch(/^Size: +12 MiB \(12582912 bytes\)$/m);
  });

  it('reads a VHD stored on a device, and refuses to change it in place', async () => {
    const vhd = join(dir, 'stored.vhd');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', raw, vhd]);
    const device = attach(vhd);
    const before = await readFile(vhd);

    const info = await platter({}, 'info', '--json', device);
    expect(info.stderr).toBe('');
    expect(JSON.parse(info.stdout)).toMatchObject({ format: 'vhd', diskType: 'dynamic' });

    const compact = await platter({}, 'compact', device);
    expect(compact.code).toBe(1);
    expect(compact.stderr).toBe(
      `platter: ${device} is a device, and Platter changes only image files - convert the device into an image file first, then work on that file\n`,
    );
    expect(Buffer.compare(await readFile(vhd), before)).toBe(0);
  });
});
