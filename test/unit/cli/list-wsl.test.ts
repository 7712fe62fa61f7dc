// `platter list-wsl`: on Linux the real lookup finds nothing and says it applies to Windows (the built command in a
// child process, text and JSON); what it prints for disks found is checked on a list the engine made over a fake
// registry (test/unit/discovery has the lookup itself).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_WINDOWS_NOTE, findWslDisks } from '../../../electron/engine/discovery/find-wsl-disks';
import { foundDisksText } from '../../../electron/cli/commands/list-wsl';
import { convertImage } from '../../../electron/engine/ops/convert';
import { formatSize } from '../../../electron/cli/sizes';
import { writeRaw } from '../../helpers/data';
import { cli, platter } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const MiB = 1024 * 1024;
const tempDir = useTempDirs();

describe.skipIf(process.platform === 'win32')('platter list-wsl off Windows', () => {
  it('prints that nothing was found and why, exit 0', async () => {
    const r = await platter('list-wsl', '--quick');
    expect(r).toEqual({
      code: 0,
      stdout: `No WSL or Docker Desktop disks found.\nNote: ${NOT_WINDOWS_NOTE}\n`,
      stderr: '',
    });
  });

  it('--json prints the same as one JSON object', async () => {
    const r = await platter('list-wsl', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ disks: [], notes: [NOT_WINDOWS_NOTE] });
  });

  it('a path is a usage error, one line', async () => {
    const r = await platter('list-wsl', 'C:\\disk.vhdx');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('platter: list-wsl takes no paths, got 1 - see `platter list-wsl --help`\n');
  });
});

describe("list-wsl's text", () => {
  it('names each disk, its owner and sizes, and what to do about one in use or missing', async () => {
    const dir = await tempDir();
    const base = join(dir, 'ubuntu');
    await mkdir(base);
    await writeRaw(join(dir, 'u.img'), 16 * MiB, [[0, MiB]]);
    await convertImage({ input: join(dir, 'u.img'), output: join(base, 'ext4.vhdx'), blockSize: MiB });
    const lxss = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';
    const found = await findWslDisks({
      platform: 'win32',
      registry: async () => [
        { path: `${lxss}\\{1}`, values: { DistributionName: 'Ubuntu', BasePath: base } },
        { path: `${lxss}\\{2}`, values: { DistributionName: 'Gone', BasePath: join(dir, 'gone') } },
      ],
      fs: { stat, readdir: (path, options) => readdir(path, options) },
      localAppData: join(dir, 'Local'),
    });
    const ubuntu = found.disks[0]!;
    const lines = foundDisksText(found).split('\n');
    expect(lines[0]).toBe(`WSL Ubuntu: ${join(base, 'ext4.vhdx')}`);
    expect(lines[1]).toBe(
      `  ${formatSize(ubuntu.sizeOnDisk!)} on disk, virtual size 16 MiB, compacting would reclaim ${formatSize(ubuntu.reclaimable!)}`,
    );
    expect(lines[2]).toBe(`WSL Gone: ${join(dir, 'gone', 'ext4.vhdx')}`);
    expect(lines[3]).toMatch(/^ {2}missing: Gone's disk .* does not exist - .*wsl --list --verbose/);
  });

  it('the help says where it looks and what to do about a disk in use', async () => {
    const r = await cli('list-wsl', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Lxss');
    expect(r.stdout).toContain('wsl --shutdown');
    expect(r.stdout).toContain('--quick');
  });
});
