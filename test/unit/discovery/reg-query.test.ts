// reg.exe's text output, as `reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Lxss" /s` prints it on
// Windows 11 with two distributions and Docker Desktop's own (CRLF line ends, values indented four spaces).
import { describe, expect, it } from 'vitest';
import { parseRegQuery, regExeReader } from '../../../electron/engine/discovery/reg-query';

const LXSS = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';

const CAPTURED = [
  '',
  LXSS,
  '    DefaultDistribution    REG_SZ    {8f3a1c52-0d6e-4b7a-9a43-1f2e3d4c5b6a}',
  '    DefaultVersion    REG_DWORD    0x2',
  '    NatIpAddress    REG_SZ    172.22.144.1',
  '',
  `${LXSS}\\{8f3a1c52-0d6e-4b7a-9a43-1f2e3d4c5b6a}`,
  '    State    REG_DWORD    0x1',
  '    DistributionName    REG_SZ    Ubuntu-22.04',
  '    Version    REG_DWORD    0x2',
  '    BasePath    REG_SZ    C:\\Users\\Ana Lopez\\AppData\\Local\\Packages\\CanonicalGroupLimited.Ubuntu22.04LTS_79rhkp1fndgsc\\LocalState',
  '    Flags    REG_DWORD    0xf',
  '    DefaultUid    REG_DWORD    0x3e8',
  '    PackageFamilyName    REG_SZ    CanonicalGroupLimited.Ubuntu22.04LTS_79rhkp1fndgsc',
  '    KernelCommandLine    REG_SZ    BOOT_IMAGE=/kernel init=/init',
  '    DefaultEnvironment    REG_MULTI_SZ    HOSTTYPE=x86_64\\0LANG=en_US.UTF-8\\0PATH=/usr/local/sbin:/usr/local/bin\\0TERM=xterm-256color',
  '    Comment    REG_SZ    ',
  '',
  `${LXSS}\\{8f3a1c52-0d6e-4b7a-9a43-1f2e3d4c5b6a}\\Plugins`,
  '    Enabled    REG_DWORD    0x1',
  '',
  `${LXSS}\\{c4e1b2a3-5d6f-4e7a-8b9c-0d1e2f3a4b5c}`,
  '    State    REG_DWORD    0x1',
  '    DistributionName    REG_SZ    docker-desktop',
  '    Version    REG_DWORD    0x2',
  '    BasePath    REG_SZ    \\\\?\\C:\\Users\\Ana Lopez\\AppData\\Local\\Docker\\wsl\\main',
  '    VhdFileName    REG_SZ    ext4.vhdx',
  '    Flags    REG_DWORD    0xf',
  '',
].join('\r\n');

describe('parseRegQuery', () => {
  it('gives each key with its values, the data as reg.exe prints it', () => {
    const keys = parseRegQuery(CAPTURED);
    expect(keys.map((k) => k.path)).toEqual([
      LXSS,
      `${LXSS}\\{8f3a1c52-0d6e-4b7a-9a43-1f2e3d4c5b6a}`,
      `${LXSS}\\{8f3a1c52-0d6e-4b7a-9a43-1f2e3d4c5b6a}\\Plugins`,
      `${LXSS}\\{c4e1b2a3-5d6f-4e7a-8b9c-0d1e2f3a4b5c}`,
    ]);
    const ubuntu = keys[1]!.values;
    expect(ubuntu.DistributionName).toBe('Ubuntu-22.04');
    expect(ubuntu.Version).toBe('0x2');
    // Spaces inside the data (a user name) are kept; the four-space separators are not.
    expect(ubuntu.BasePath).toBe(
      'C:\\Users\\Ana Lopez\\AppData\\Local\\Packages\\CanonicalGroupLimited.Ubuntu22.04LTS_79rhkp1fndgsc\\LocalState',
    );
    expect(ubuntu.KernelCommandLine).toBe('BOOT_IMAGE=/kernel init=/init');
    expect(ubuntu.DefaultEnvironment).toContain('\\0LANG=en_US.UTF-8\\0');
    expect(ubuntu.Comment).toBe('');
    expect(keys[2]!.values).toEqual({ Enabled: '0x1' });
    expect(keys[3]!.values.BasePath).toBe('\\\\?\\C:\\Users\\Ana Lopez\\AppData\\Local\\Docker\\wsl\\main');
  });

  it('reads LF-only output and ignores lines that are neither keys nor values', () => {
    const text = `${LXSS}\\{a}\n    DistributionName    REG_SZ    Debian\nEnd of search: 1 match(es) found.\n`;
    expect(parseRegQuery(text)).toEqual([{ path: `${LXSS}\\{a}`, values: { DistributionName: 'Debian' } }]);
  });

  it('an empty output is no key', () => {
    expect(parseRegQuery('')).toEqual([]);
    expect(parseRegQuery('\r\n\r\n')).toEqual([]);
  });
});

describe('regExeReader', () => {
  it('asks reg.exe for the key and every key under it', async () => {
    const asked: (readonly string[])[] = [];
    const read = regExeReader(async (args) => {
      asked.push(args);
      return CAPTURED;
    });
    expect(await read('HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss')).toHaveLength(4);
    expect(asked).toEqual([['query', 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss', '/s']]);
  });

  it('a key that does not exist (WSL never installed) is an empty list', async () => {
    const read = regExeReader(async () => {
      throw Object.assign(new Error('Command failed: reg.exe query'), {
        code: 1,
        stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n',
      });
    });
    expect(await read('HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss')).toEqual([]);
  });

  it('any other failure (reg.exe missing, refused) is thrown for the lookup to report', async () => {
    const read = regExeReader(async () => {
      throw Object.assign(new Error('spawn reg.exe ENOENT'), { code: 'ENOENT' });
    });
    await expect(read('HKCU\\x')).rejects.toThrow('ENOENT');
  });
});
