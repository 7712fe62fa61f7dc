import { checkImage } from '../../engine/ops/check';
import type { Command } from '../command';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check the structure of a VHD without changing it, listing every problem found.',
  usage: 'check [--json] IMAGE',
  details: `Options:
  --json    print the report as JSON

Exit code 0 when the image is clean, 1 when a problem was found.`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run(values, [path], io) {
    const report = await checkImage(path!);
    if (values.json) {
      io.stdout(JSON.stringify(report, null, 2) + '\n');
    } else if (report.clean) {
      io.stdout(`${report.path}: no problems found\n`);
    } else {
      io.stdout(`${report.path}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`);
      for (const p of report.problems) {
        io.stdout(`  ${p.severity} ${p.code}${p.offset === null ? '' : ` at offset ${p.offset}`}: ${p.message}\n`);
      }
    }
    return report.clean ? 0 : 1;
  },
};
