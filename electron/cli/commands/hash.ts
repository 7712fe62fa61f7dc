import { hashImage } from '../../engine/ops/hash';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';

export const hashCommand: Command = {
  name: 'hash',
  summary: "Print the SHA-256 of an image's virtual disk content (what the guest sees), like sha256sum.",
  usage: 'hash [--quiet] [--force-share] IMAGE',
  details: `Options:
  --quiet             no progress bar
  -U, --force-share   hash IMAGE even while another program writes it (a running VM); the hash may then
                      match no moment of the disk

Two images with the same content have the same hash whatever their format or type, so
\`platter hash disk.vhd\` equals \`sha256sum disk.img\` for the raw disk it was made from.`,
  options: { quiet: { type: 'boolean', short: 'q' }, 'force-share': { type: 'boolean', short: 'U' } },
  positionals: [1, 1],
  async run(values, [path], io) {
    const bar = progressBar(io, values.quiet === true);
    try {
      const control = { signal: io.signal, onProgress: bar.onProgress };
      const result = await hashImage(path!, control, { forceShare: values['force-share'] === true });
      bar.end();
      io.stdout(`${result.sha256}  ${path}\n`);
    } finally {
      bar.end();
    }
    return 0;
  },
};
