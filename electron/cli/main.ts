import { isPlatterError } from '../engine/errors';
import type { Command } from './command';
import { commandHelp, parseCommandArgs } from './command';
import { checkCommand } from './commands/check';
import { compactCommand } from './commands/compact';
import { convertCommand } from './commands/convert';
import { createCommand } from './commands/create';
import { hashCommand } from './commands/hash';
import { infoCommand } from './commands/info';
import { listWslCommand } from './commands/list-wsl';
import { mergeCommand } from './commands/merge';
import { resizeCommand } from './commands/resize';
import { setParentCommand } from './commands/set-parent';
import type { CliIo } from './io';
import { UsageError } from './usage-error';

export const VERSION = '0.1.0';

export const COMMANDS: readonly Command[] = [
  infoCommand,
  hashCommand,
  createCommand,
  convertCommand,
  compactCommand,
  resizeCommand,
  mergeCommand,
  setParentCommand,
  checkCommand,
  listWslCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `Platter ${VERSION}: create, convert, compact, resize, merge, inspect and check VHD disk images.

Usage: platter COMMAND [OPTIONS] ...

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Options for every command:
  -h, --help   show the command's options and examples
  --debug      show the full error with its stack trace

Examples:
  platter info disk.vhd
  platter create disk.vhd --size 20G --type dynamic
  platter convert disk.img disk.vhd --preset azure
  platter compact disk.vhd
  platter hash disk.vhd
  platter check disk.vhd
  platter list-wsl

Run \`platter COMMAND --help\` for a command's options.
`;
}

/** One line per error: "platter: <what> - <what to do>". */
export function errorLine(err: unknown): string {
  if (isPlatterError(err)) return `platter: ${err.message}${err.remedy ? ` - ${err.remedy}` : ''}\n`;
  if (err instanceof UsageError) return `platter: ${err.message}\n`;
  const message = err instanceof Error ? err.message : String(err);
  return `platter: unexpected error: ${message} - run again with --debug and report it\n`;
}

/** Runs one CLI invocation and returns its exit code: 0 success, 1 failure, 2 usage error. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const debug = argv.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    if (name === 'help' && rest[0] !== undefined && !topic) {
      io.stderr(`platter: "${rest[0]}" is not a command - run \`platter --help\` for the list\n`);
      return 2;
    }
    io.stdout(topic ? commandHelp(topic) : overview());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`platter ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`platter: "${name}" is not a command - run \`platter --help\` for the list\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (err) {
    io.stderr(errorLine(err));
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return err instanceof UsageError ? 2 : 1;
  }
}
