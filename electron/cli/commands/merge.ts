import { mergeImage } from '../../engine/ops/merge';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';

export const mergeCommand: Command = {
  name: 'merge',
  summary: "Write a differencing child's changes into its parent, then remove the child.",
  usage: 'merge CHILD [--keep-child]',
  details: `Options:
  --keep-child   keep the child file (it then reads the same as its parent)
  --json         print the result as JSON
  --quiet        no progress bar

The parent is changed in place: other children of the same parent (found in the child's folder) are named in
a warning, since they will read the merged content beneath their own changes. If the merge is interrupted, the
child is left intact and the parent partly merged: run the same merge again to complete it.

Example:
  platter merge snapshot.vhd`,
  options: { 'keep-child': { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  positionals: [1, 1],
  async run(values, [child], io) {
    const bar = progressBar(io, values.quiet === true);
    try {
      const result = await mergeImage(
        { child: child!, keepChild: values['keep-child'] === true },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      for (const warning of result.warnings) io.stderr(`platter: warning: ${warning}\n`);
      if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
      else
        io.stdout(
          `Merged ${result.mergedBlocks} blocks of ${result.child} into ${result.parent}${result.childRemoved ? '; the child was removed' : values['keep-child'] === true ? '; the child was kept' : '; the child was not removed (see the warning)'}\n`,
        );
    } finally {
      bar.end();
    }
    return 0;
  },
};
