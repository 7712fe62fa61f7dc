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

A VHD child merges into its VHD parent, a VHDX child (a Hyper-V checkpoint, .avhdx) into its VHDX parent.
The parent is changed in place. Other children of the same parent would read the merged content beneath their
own changes, so the merge is refused, changing nothing, while any are found (in the child's and the parent's
folders, their subfolders and the child's sibling folders). If the merge is interrupted, the child is left
intact and the parent partly merged: run the same merge again to complete it.

Examples:
  platter merge snapshot.vhd
  platter merge "Windows 11_4B1C....avhdx"`,
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
