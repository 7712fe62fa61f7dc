// The lookup of WSL's and Docker Desktop's disks, run on Linux over a fake registry and a temporary folder laid
// out as %LOCALAPPDATA% is on Windows, holding real small VHDX files. The sizes are checked against qemu-img
// and the file system itself; what compacting would reclaim, against what compacting then reclaims.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiskReader } from '../../../electron/engine/discovery/disk-facts';
import { engineDiskReader } from '../../../electron/engine/discovery/disk-facts';
import { LXSS_KEY, NOT_WINDOWS_NOTE, findWslDisks } from '../../../electron/engine/discovery/find-wsl-disks';
import type { DiscoveryFs, DiscoverySources } from '../../../electron/engine/discovery/find-wsl-disks';
import type { RegistryKey } from '../../../electron/engine/discovery/reg-query';
import { nativeAddon } from '../../../electron/engine/io/native-addon';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();
const HKCU_LXSS = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';
const realFs: DiscoveryFs = { stat, readdir: (path, options) => readdir(path, options) };

/** A dynamic VHDX (1 MiB blocks) with 3 MiB of data, and 4 blocks qemu-io wrote with zeros: 4 MiB to reclaim. */
async function wslDisk(path: string, virtualMiB = 32): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const raw = `${path}.img`;
  await writeRaw(raw, virtualMiB * MiB, [
    [0, MiB],
    [8 * MiB, 2 * MiB],
  ]);
  await convertImage({ input: raw, output: path, blockSize: MiB });
  await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${16 * MiB} ${4 * MiB}`, path]);
}

function distribution(guid: string, values: Record<string, string>): RegistryKey {
  return { path: `${HKCU_LXSS}\\{${guid}}`, values: { State: '0x1', Version: '0x2', Flags: '0xf', ...values } };
}

function sources(registry: readonly RegistryKey[], localAppData: string, extra: Partial<DiscoverySources> = {}) {
  const asked: string[] = [];
  const s: DiscoverySources = {
    platform: 'win32',
    registry: async (key) => {
      asked.push(key);
      return registry;
    },
    fs: realFs,
    localAppData,
    ...extra,
  };
  return { sources: s, asked };
}

async function qemuVirtualSize(path: string): Promise<number> {
  return (
    JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vhdx', path])) as { 'virtual-size': number }
  )['virtual-size'];
}

/** Allocated bytes as coreutils' stat counts them (%b blocks of %B bytes). */
async function allocatedByStat(path: string): Promise<number> {
  const [blocks, unit] = (await run('stat', ['-c', '%b %B', path])).trim().split(' ').map(Number);
  return blocks! * unit!;
}

describe.skipIf(!tools.qemuIo)('findWslDisks over a fake registry and real VHDX files', () => {
  it("lists each distribution's ext4.vhdx and Docker Desktop's disks, each once, with sizes and what compact reclaims", async () => {
    const root = await tempDir();
    const local = join(root, 'AppData', 'Local');
    const ubuntuBase = join(local, 'Packages', 'CanonicalGroupLimited.Ubuntu_79rhkp1fndgsc', 'LocalState');
    const debianBase = join(root, 'wsl', 'debian');
    const docker = join(local, 'Docker', 'wsl');
    await wslDisk(join(ubuntuBase, 'ext4.vhdx'), 64);
    await wslDisk(join(debianBase, 'ext4.vhdx'));
    await wslDisk(join(docker, 'main', 'ext4.vhdx'));
    await wslDisk(join(docker, 'disk', 'docker_data.vhdx'));
    await writeFile(join(docker, 'disk', 'notes.txt'), 'not a disk');
    const registry = [
      { path: HKCU_LXSS, values: { DefaultDistribution: '{1}', DefaultVersion: '0x2' } },
      distribution('1', { DistributionName: 'Ubuntu', BasePath: ubuntuBase }),
      { path: `${HKCU_LXSS}\\{1}\\Plugins`, values: { Enabled: '0x1' } },
      // WSL records a moved or imported distribution's BasePath with the long-path prefix.
      distribution('2', { DistributionName: 'Debian', BasePath: `\\\\?\\${debianBase}` }),
      distribution('3', { DistributionName: 'docker-desktop', BasePath: join(docker, 'main') }),
    ];
    const { sources: s, asked } = sources(registry, local);

    const found = await findWslDisks(s);
    expect(asked).toEqual([LXSS_KEY]);
    expect(found.notes).toEqual([]);
    expect(found.disks.map((d) => [d.name, d.owner, d.path, d.status])).toEqual([
      ['Ubuntu', 'wsl', join(ubuntuBase, 'ext4.vhdx'), 'ready'],
      ['Debian', 'wsl', join(debianBase, 'ext4.vhdx'), 'ready'],
      ['docker-desktop', 'docker', join(docker, 'main', 'ext4.vhdx'), 'ready'],
      [join('disk', 'docker_data.vhdx'), 'docker', join(docker, 'disk', 'docker_data.vhdx'), 'ready'],
    ]);
    for (const disk of found.disks) {
      expect(disk.problem).toBeNull();
      expect(disk.virtualSize).toBe(await qemuVirtualSize(disk.path));
      expect(disk.fileSize).toBe((await stat(disk.path)).size);
      expect(disk.sizeOnDisk).toBe(await allocatedByStat(disk.path));
      // The dry run's figure is what compacting then frees, measured on the file.
      const before = (await stat(disk.path)).size;
      await compactImage({ path: disk.path });
      expect(disk.reclaimable).toBe(before - (await stat(disk.path)).size);
      expect(disk.reclaimable).toBeGreaterThanOrEqual(4 * MiB);
    }
    expect(found.disks[0]!.virtualSize).toBe(64 * MiB);
  });

  it('without the estimate, reads headers only: sizes, no reclaimable figure', async () => {
    const root = await tempDir();
    const base = join(root, 'ubuntu');
    await wslDisk(join(base, 'ext4.vhdx'));
    const { sources: s } = sources(
      [distribution('1', { DistributionName: 'Ubuntu', BasePath: base })],
      join(root, 'none'),
    );
    const [disk] = (await findWslDisks(s, { estimate: false })).disks;
    expect(disk).toMatchObject({ status: 'ready', virtualSize: 32 * MiB, reclaimable: null, problem: null });
  });

  it('a custom VhdFileName, a missing disk, a WSL 1 distribution, a key without BasePath and a file that is no disk', async () => {
    const root = await tempDir();
    const custom = join(root, 'custom');
    await wslDisk(join(custom, 'arch.vhdx'));
    await mkdir(join(root, 'gone'));
    await mkdir(join(root, 'junk'));
    await writeFile(join(root, 'junk', 'ext4.vhdx'), Buffer.alloc(MiB, 0x41));
    const registry = [
      distribution('1', { DistributionName: 'Arch', BasePath: custom, VhdFileName: 'arch.vhdx' }),
      distribution('2', { DistributionName: 'Gone', BasePath: join(root, 'gone') }),
      distribution('3', { DistributionName: 'Legacy', BasePath: join(root, 'legacy'), Version: '0x1' }),
      distribution('4', { DistributionName: 'Broken' }),
      distribution('5', { DistributionName: 'Junk', BasePath: join(root, 'junk') }),
    ];
    const found = await findWslDisks(sources(registry, join(root, 'no-local')).sources);
    expect(found.disks.map((d) => [d.name, d.status, d.problem?.code ?? null])).toEqual([
      ['Arch', 'ready', null],
      ['Gone', 'missing', 'NOT_FOUND'],
      ['Junk', 'unreadable', expect.any(String)],
    ]);
    const gone = found.disks[1]!;
    expect(gone.problem!.message).toContain(join(root, 'gone', 'ext4.vhdx'));
    expect(gone.problem!.remedy).toContain('wsl --list --verbose');
    expect(gone).toMatchObject({ sizeOnDisk: null, virtualSize: null, reclaimable: null });
    const junk = found.disks[2]!;
    expect(junk.sizeOnDisk).toBe(await allocatedByStat(junk.path));
    expect(junk.problem!.message).toContain(junk.path);
    expect(found.notes).toEqual([
      'Legacy is a WSL 1 distribution: its files are a folder, not a virtual disk',
      'the WSL distribution Broken records no BasePath, so its disk cannot be found',
    ]);
  });

  it('a registry that cannot be read is a note; Docker Desktop is still looked for', async () => {
    const root = await tempDir();
    await wslDisk(join(root, 'Docker', 'wsl', 'data', 'ext4.vhdx'));
    const found = await findWslDisks({
      platform: 'win32',
      registry: async () => {
        throw new Error('spawn reg.exe ENOENT');
      },
      fs: realFs,
      localAppData: root,
    });
    expect(found.disks.map((d) => [d.name, d.owner, d.status])).toEqual([
      [join('data', 'ext4.vhdx'), 'docker', 'ready'],
    ]);
    expect(found.notes).toEqual([`the WSL registry key ${LXSS_KEY} could not be read (spawn reg.exe ENOENT)`]);
  });

  it('a disk the file system refuses to describe is listed as unreadable with the reason', async () => {
    const root = await tempDir();
    const denied: DiscoveryFs = {
      ...realFs,
      stat: async (path) => {
        throw Object.assign(new Error(`EACCES: permission denied, stat '${path}'`), { code: 'EACCES' });
      },
    };
    const registry = [distribution('1', { DistributionName: 'Ubuntu', BasePath: join(root, 'u') })];
    const [disk] = (await findWslDisks(sources(registry, root, { fs: denied }).sources)).disks;
    expect(disk).toMatchObject({ status: 'unreadable', problem: { code: 'ACCESS_DENIED' }, sizeOnDisk: null });
  });

  it('a disk in use says to run wsl --shutdown, or to quit Docker Desktop, and is not read further', async () => {
    const root = await tempDir();
    const base = join(root, 'ubuntu');
    await wslDisk(join(base, 'ext4.vhdx'));
    await wslDisk(join(root, 'Docker', 'wsl', 'disk', 'docker_data.vhdx'));
    const reads: string[] = [];
    // As on Windows while WSL runs: every open of the disk is refused (EBUSY, IN_USE).
    const busy: DiskReader = {
      inUse: async () => true,
      virtualSize: async (path) => {
        reads.push(path);
        return 0;
      },
      reclaimable: async (path) => {
        reads.push(path);
        return 0;
      },
    };
    const registry = [distribution('1', { DistributionName: 'Ubuntu', BasePath: base })];
    const { disks } = await findWslDisks(sources(registry, root, { disks: busy }).sources);
    expect(disks.map((d) => [d.status, d.problem?.code])).toEqual([
      ['in-use', 'IN_USE'],
      ['in-use', 'IN_USE'],
    ]);
    expect(disks[0]!.problem!.remedy).toContain('wsl --shutdown');
    expect(disks[0]!.problem!.message).toContain('WSL is running Ubuntu');
    expect(disks[1]!.problem!.remedy).toContain('quit Docker Desktop');
    expect(disks[0]!.sizeOnDisk).toBe(await allocatedByStat(disks[0]!.path));
    expect(reads).toEqual([]);
  });

  it('off Windows, nothing is looked up: an empty list and a note saying it applies to Windows', async () => {
    const { sources: s, asked } = sources([distribution('1', { DistributionName: 'Ubuntu', BasePath: '/x' })], '/y');
    expect(await findWslDisks({ ...s, platform: 'linux' })).toEqual({ disks: [], notes: [NOT_WINDOWS_NOTE] });
    expect(asked).toEqual([]);
  });
});

const addon = nativeAddon();
const holders: ChildProcess[] = [];
afterEach(() => {
  for (const p of holders.splice(0)) p.kill('SIGKILL');
});

describe.skipIf(process.platform !== 'linux' || !addon?.lockedByOthers || !tools.qemuIo)(
  "the engine's in-use check",
  () => {
    it('a disk a qemu process holds open (as WSL holds its disk) is in use, and listed so', async () => {
      const root = await tempDir();
      const base = join(root, 'ubuntu');
      const path = join(base, 'ext4.vhdx');
      await wslDisk(path);
      expect(await engineDiskReader.inUse(path)).toBe(false);
      const holder = spawn('qemu-io', ['-f', 'vhdx', path], { stdio: ['pipe', 'ignore', 'ignore'] });
      holders.push(holder);
      const fd = openSync(path, 'r');
      try {
        for (let i = 0; i < 200 && !addon!.lockedByOthers!(fd, 100, 1); i++)
          await new Promise((r) => setTimeout(r, 50));
      } finally {
        closeSync(fd);
      }
      expect(await engineDiskReader.inUse(path)).toBe(true);
      const registry = [distribution('1', { DistributionName: 'Ubuntu', BasePath: base })];
      const [disk] = (await findWslDisks(sources(registry, root).sources)).disks;
      expect(disk).toMatchObject({ status: 'in-use', reclaimable: null, problem: { code: 'IN_USE' } });
    });
  },
);
