import { compactImage } from '../../engine/ops/compact';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';
import { formatSize, formatSizeExact } from '../sizes';

export const compactCommand: Command = {
  name: 'compact',
  summary: 'Shrink a dynamic or differencing VHD, or a dynamic VHDX: drop blocks that hold only zeros.',
  usage: 'compact IMAGE [--output OUT | --dry-run]',
  details: `Options:
  --output OUT   write the compacted image to OUT and leave IMAGE as it is
  --dry-run      only tell how much compacting would reclaim (reads the allocated blocks, writes nothing)
  --json         print the result as JSON
  --quiet        no progress bar

In place by default and crash-safe: the new image is written beside the old one and replaces it in one step,
so an interruption leaves the old image or the new one, never a mix. It needs free space for the compacted
copy. The disk's UUID (a VHDX's DataWriteGuid and Virtual Disk ID) and parent links are kept, so children of
a compacted parent stay valid. For a differencing disk, a block is dropped only where the parent reads zeros
too. A VHDX whose log held updates comes out with them written in.

Zero the free space inside the guest first (e.g. \`sdelete -z\` on Windows, \`fstrim\` or \`zerofree\` on Linux)
to let compact reclaim it.`,
  options: {
    output: { type: 'string', short: 'o' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  positionals: [1, 1],
  async run(values, [path], io) {
    const bar = progressBar(io, values.quiet === true);
    try {
      const result = await compactImage(
        {
          path: path!,
          ...(values.output !== undefined && { output: values.output as string }),
          ...(values['dry-run'] === true && { dryRun: true }),
        },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
      else {
        io.stdout(
          `${result.dryRun ? `Compacting ${result.path} would give` : `Compacted ${result.output}:`} ${result.blocksBefore} -> ${result.blocksAfter} blocks, ${formatSize(result.sizeBefore)} -> ${formatSize(result.sizeAfter)}, ${result.dryRun ? 'reclaiming' : 'reclaimed'} ${formatSizeExact(result.reclaimedBytes)}\n`,
        );
      }
    } finally {
      bar.end();
    }
    return 0;
  },
};
