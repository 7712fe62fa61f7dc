import { checkImage } from '../../engine/ops/check';
import type { CheckReport } from '../../engine/ops/check';
import { repairImage } from '../../engine/ops/repair';
import type { RepairResult } from '../../engine/ops/repair';
import type { Command } from '../command';
import type { CliIo } from '../io';
import { progressBar } from '../progress-bar';
import { UsageError } from '../usage-error';

function printReport(io: CliIo, report: CheckReport, suffix = ''): void {
  if (report.clean) {
    io.stdout(`${report.path}: no problems found\n`);
    return;
  }
  const n = report.problems.length;
  io.stdout(`${report.path}: ${n} problem${n === 1 ? '' : 's'}${suffix}\n`);
  for (const p of report.problems) {
    io.stdout(`  ${p.severity} ${p.code}${p.offset === null ? '' : ` at offset ${p.offset}`}: ${p.message}\n`);
  }
}

function printRepair(io: CliIo, result: RepairResult): void {
  if (result.rolledBack) io.stdout(`Rolled back an interrupted ${result.rolledBack} of ${result.path}\n`);
  printReport(io, result.before);
  const n = result.changes.length;
  if (n === 0) {
    if (!result.before.clean) io.stdout('Nothing can be repaired without guessing.\n');
    return;
  }
  io.stdout(
    result.dryRun
      ? `Would make ${n} change${n === 1 ? '' : 's'} (dry run: nothing was written):\n`
      : `Made ${n} change${n === 1 ? '' : 's'}:\n`,
  );
  for (const c of result.changes) io.stdout(`  ${c.code} at offset ${c.offset}: ${c.message}\n`);
  if (result.after) printReport(io, result.after, ' remaining');
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check the structure of a VHD or VHDX, listing every problem found; --repair fixes what it safely can.',
  usage: 'check [--json] [--repair [--dry-run]] IMAGE',
  details: `Options:
  --json      print the report as JSON
  --repair    fix what can be fixed without guessing, and list each change (VHD only)
  --dry-run   with --repair: list the changes and write nothing
  --quiet     no progress bar

Without --repair the image is only read. The repair rebuilds a lost or damaged footer from its other copy,
recomputes checksums, moves the footer to right after the last block, and drops blocks that point outside the
file or overlap another block or the headers, naming the part of the disk that now reads as zeros. The disk's
UUID is kept. It is crash-safe: what it overwrites is saved in an undo journal beside the image first, and a
repair (or resize) that was interrupted is rolled back by the next \`check --repair\`.

Exit code 0 when the image is clean (after the repair, with --repair), 1 when a problem was found or remains.`,
  options: {
    json: { type: 'boolean' },
    repair: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  positionals: [1, 1],
  async run(values, [path], io) {
    if (values['dry-run'] && !values.repair)
      throw new UsageError('--dry-run goes with --repair - see `platter check --help`');
    if (!values.repair) {
      const report = await checkImage(path!);
      if (values.json) io.stdout(JSON.stringify(report, null, 2) + '\n');
      else printReport(io, report);
      return report.clean ? 0 : 1;
    }
    const bar = progressBar(io, values.quiet === true);
    let result: RepairResult;
    try {
      result = await repairImage(
        { path: path!, dryRun: values['dry-run'] === true },
        { signal: io.signal, onProgress: bar.onProgress },
      );
    } finally {
      bar.end();
    }
    if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else printRepair(io, result);
    return (result.after ?? result.before).clean ? 0 : 1;
  },
};
