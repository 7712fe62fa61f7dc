// How the `platter` command answers --help, --version and mistyped command lines.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, VERSION } from '../../../electron/cli/main';
import { cli, platter } from '../../helpers/cli';
import type { CliResult } from '../../helpers/cli';

const NAMES = COMMANDS.map((c) => c.name);
const packageVersion = (
  JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }
).version;

/** A usage error: exit 2, nothing on stdout, one line on stderr that starts "platter: ", no stack trace. */
function expectUsageError(r: CliResult): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^platter: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
}

describe('the command list', () => {
  it('has info, hash, create and check', () => {
    expect(NAMES).toEqual(expect.arrayContaining(['info', 'hash', 'create', 'check']));
    expect(new Set(NAMES).size).toBe(NAMES.length);
  });
});

describe("each command's help", () => {
  // The usage line and the option list (lines that start with an option); not other commands named in the text.
  const listedOptions = (command: (typeof COMMANDS)[number]) => {
    const lines = [command.usage, ...(command.details ?? '').split('\n').filter((l) => /^\s+(-\w, )?--/.test(l))];
    return new Set(lines.flatMap((l) => [...l.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!)));
  };

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s accepts every option its help lists', (_name, command) => {
    const accepted = Object.keys(command.options ?? {});
    for (const option of listedOptions(command)) if (option !== 'help') expect(accepted).toContain(option);
  });
});

describe('--help', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])(
    'platter %j prints the overview listing every command',
    async (argv) => {
      const r = await cli(...argv);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('Usage: platter COMMAND');
      for (const c of COMMANDS)
        expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(r.stdout).toContain('--debug');
    },
  );

  describe.each(NAMES)('%s', (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;

    it('`help COMMAND`, `COMMAND --help` and `COMMAND -h` print the same help', async () => {
      const viaHelp = await cli('help', name);
      const viaLong = await cli(name, '--help');
      const viaShort = await cli(name, '-h');
      for (const r of [viaHelp, viaLong, viaShort]) {
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('');
      }
      expect(viaLong.stdout).toBe(viaHelp.stdout);
      expect(viaShort.stdout).toBe(viaHelp.stdout);
    });

    it('the help shows the usage line, the summary and every option', async () => {
      const { stdout } = await cli(name, '--help');
      expect(stdout.startsWith(`Usage: platter ${name} `)).toBe(true);
      expect(stdout).toContain(command.summary);
      for (const option of Object.keys(command.options)) expect(stdout).toContain(`--${option}`);
    });

    it('--help wins over a wrong number of paths', async () => {
      const r = await cli(name, 'a', 'b', 'c', 'd', '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: platter ${name}`);
    });

    it('an unknown option is a usage error naming the option', async () => {
      const r = await cli(name, '--no-such-option', 'x.vhd');
      expectUsageError(r);
      expect(r.stderr).toContain('--no-such-option');
      expect(r.stderr).toContain(`platter ${name} --help`);
    });

    it.skipIf(command.positionals[0] === 0)('a missing path is a usage error', async () => {
      const r = await cli(name);
      expectUsageError(r);
      expect(r.stderr).toContain(`platter ${name} --help`);
    });

    it('one path too many is a usage error', async () => {
      const count = command.positionals[1] + 1;
      const r = await cli(name, ...Array.from({ length: count }, (_, i) => `missing-${i}.vhd`));
      expectUsageError(r);
      expect(r.stderr).toContain(`got ${count}`);
    });
  });
});

describe('--version', () => {
  it.each(['--version', '-V'])('%s prints the package version', async (flag) => {
    const r = await cli(flag);
    expect(r).toEqual({ code: 0, stdout: `platter ${packageVersion}\n`, stderr: '' });
    expect(VERSION).toBe(packageVersion);
  });
});

describe('mistyped command lines', () => {
  it.each(['frobnicate', 'INFO', 'infos', '--bogus', '-x'])('%j is not a command: exit 2, one line', async (name) => {
    const r = await cli(name, 'disk.vhd');
    expectUsageError(r);
    expect(r.stderr).toContain(`"${name}" is not a command`);
    expect(r.stderr).toContain('platter --help');
  });

  it('an option that needs a value but has none', async () => {
    const r = await cli('create', 'x.vhd', '--size');
    expectUsageError(r);
    expect(r.stderr).toContain('--size');
  });

  it('a value given to a flag', async () => {
    expectUsageError(await cli('info', '--json=yes', 'x.vhd'));
  });

  it('create without --size or --parent', async () => {
    const r = await cli('create', 'x.vhd');
    expectUsageError(r);
    expect(r.stderr).toContain('--size');
  });

  it('create with an unknown --type', async () => {
    const r = await cli('create', 'x.vhd', '--size', '1M', '--type', 'sparse');
    expectUsageError(r);
    expect(r.stderr).toContain('"sparse"');
  });

  it.each([
    ['--type', 'sparse', 'use --type fixed or --type dynamic'],
    ['--format', 'qed', 'use --format qcow2, --format raw, --format vdi, --format vhd, --format vhdx or --format vmdk'],
    [
      '--preset',
      'aws',
      'use one of azure, hyperv, hyperv-vhd, wsl, virtualpc, virtualbox, vmware, esxi, kvm, proxmox, qemu',
    ],
  ])('convert %s %j: names the value and says what to use', async (option, value, remedy) => {
    const r = await cli('convert', 'in.img', 'out.vhd', option, value);
    expectUsageError(r);
    expect(r.stderr.startsWith(`platter: ${option} "${value}" is not `)).toBe(true);
    expect(r.stderr.endsWith(` - ${remedy}\n`)).toBe(true);
  });

  it.each([
    ['--size', 'big'],
    ['--size', '1.5'],
    ['--size', '=1M'],
    ['--block-size', '2Q'],
  ])('create %s %j: usage error naming the option', async (option, value) => {
    const r = await cli('create', 'x.vhd', '--size', '1M', option, value);
    expectUsageError(r);
    expect(r.stderr).toContain(`${option} "${value}"`);
  });
});

describe('the built command in a child process', () => {
  it('prints its version', async () => {
    expect(await platter('--version')).toEqual({ code: 0, stdout: `platter ${packageVersion}\n`, stderr: '' });
  });

  it('prints help for each command', async () => {
    for (const name of ['info', 'hash', 'create', 'check']) {
      const r = await platter(name, '--help');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: platter ${name} `);
    }
  });

  it('exits 2 with one line for an unknown command, option or missing path', async () => {
    expectUsageError(await platter('frobnicate'));
    expectUsageError(await platter('info', '--bogus', 'x.vhd'));
    expectUsageError(await platter('hash'));
  });
});
