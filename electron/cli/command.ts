import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io';
import { UsageError } from './usage-error';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Extra lines for --help: options and examples. */
  readonly details: string;
  readonly options: OptionSpec;
  /** How many positional arguments: [min, max]. */
  readonly positionals: readonly [number, number];
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}

export function parseCommandArgs(command: Command, args: string[]): { values: Values; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // Node's message may run on over several lines of advice; the first line names the problem.
    const first = (err as Error).message
      .split('\n')[0]!
      .replace(/\. To specify a positional.*$/s, '')
      .replace(/\.$/, '');
    throw new UsageError(`${first} - see \`platter ${command.name} --help\``);
  }
  const values = parsed.values as Values;
  if (values.help) return { values, positionals: parsed.positionals };
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min)
    throw new UsageError(
      `${command.name} needs ${command.usage.replace(/^\S+\s*/, '')} - see \`platter ${command.name} --help\``,
    );
  if (parsed.positionals.length > max)
    throw new UsageError(
      `${command.name} takes ${max === 0 ? 'no' : max} path${max === 1 ? '' : 's'}, got ${parsed.positionals.length} - see \`platter ${command.name} --help\``,
    );
  return { values, positionals: parsed.positionals };
}

export function commandHelp(command: Command): string {
  return `Usage: platter ${command.usage}\n\n${command.summary}\n${command.details ? `\n${command.details.trimEnd()}\n` : ''}`;
}
