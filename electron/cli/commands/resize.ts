import { resizeImage } from '../../engine/ops/resize';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';
import { formatSizeExact, parseSize } from '../sizes';

export const resizeCommand: Command = {
  name: 'resize',
  summary: 'Grow or shrink a VHD (fixed, dynamic or differencing).',
  usage: 'resize IMAGE SIZE',
  details: `SIZE is bytes or K/M/G/T (powers of 1024), a multiple of 512, at most 2040G.

Growing adds zeros at the end of the disk; extend the partition inside the guest afterwards. Shrinking works only
when everything past the new end is unallocated or zero, and is otherwise refused without changing anything.
An interrupted resize is rolled back by the next resize or \`platter check --repair\`.

Options:
  --json    print the result as JSON
  --quiet   no progress bar

Example:
  platter resize disk.vhd 40G`,
  options: { json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  positionals: [2, 2],
  async run(values, [path, size], io) {
    const bar = progressBar(io, values.quiet === true);
    try {
      const result = await resizeImage(
        { path: path!, size: parseSize(size!, 'SIZE') },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      if (result.rolledBack)
        io.stderr(`platter: note: an interrupted ${result.rolledBack} of this image was rolled back first\n`);
      if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
      else if (result.method === 'unchanged')
        io.stdout(`${result.path} is already ${formatSizeExact(result.newSize)}\n`);
      else
        io.stdout(`Resized ${result.path}: ${formatSizeExact(result.oldSize)} -> ${formatSizeExact(result.newSize)}\n`);
    } finally {
      bar.end();
    }
    return 0;
  },
};
