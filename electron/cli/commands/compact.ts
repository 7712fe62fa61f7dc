import { compactImage } from '../../engine/ops/compact';
import type { CompactResult, CompactVolume } from '../../../shared/jobs';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';
import { formatSize, formatSizeExact } from '../sizes';

function volumeName(v: CompactVolume): string {
  const where = v.partition === null ? 'whole disk' : `partition ${v.partition}`;
  const fs = v.fileSystem ?? 'no file system';
  return `${where} (${fs}${v.label ? ` "${v.label}"` : ''}, ${formatSize(v.size)})`;
}

/** The per-partition lines: what each file system leaves free, and what of it compact can drop. */
function volumeLines(result: CompactResult): string {
  const lines = result.volumes.map((v) =>
    v.keptWhole
      ? `  ${volumeName(v)}: kept whole - ${v.reason}\n`
      : `  ${volumeName(v)}: ${formatSize(v.freeBytes)} free, ${formatSize(v.reclaimableBytes)} in whole blocks (reclaimable), ${formatSize(v.sharedBytes)} sharing blocks with used data (not reclaimable)\n`,
  );
  if (result.outsidePartitionsBytes > 0)
    lines.push(`  outside every partition: ${formatSize(result.outsidePartitionsBytes)} reclaimable\n`);
  return lines.join('');
}

export const compactCommand: Command = {
  name: 'compact',
  summary:
    'Shrink a dynamic or differencing VHD, VHDX or VDI: drop blocks that hold only zeros or only free file-system space.',
  usage: 'compact IMAGE [--output OUT | --dry-run] [--zeros-only]',
  details: `Options:
  --output OUT   write the compacted image to OUT and leave IMAGE as it is
  --dry-run      only tell how much compacting would reclaim, per partition (writes nothing)
  --zeros-only   drop only blocks that read as zeros; leave the file systems' free space alone
  --json         print the result as JSON
  --quiet        no progress bar

Compact reads the file systems inside the disk (ext2/3/4, NTFS, FAT12/16/32, exFAT, swap) and drops every
block that lies wholly in space they do not use, or outside every partition, without zero-filling it first;
only blocks a file system uses are read to look for zeros. A file system that was not cleanly unmounted, or
that Platter does not read, is kept whole, and compact says why (run \`wsl --shutdown\`; shut Windows down fully
with fast startup off; or run chkdsk / e2fsck).

In place by default and crash-safe: the new image is written beside the old one and replaces it in one step,
so an interruption leaves the old image or the new one, never a mix. It needs free space for the compacted
copy. The disk's UUID (a VHDX's DataWriteGuid and Virtual Disk ID) and parent links are kept, so children of
a compacted parent stay valid. For a differencing disk, a block is dropped only where the parent reads zeros
too. A VHDX whose log held updates comes out with them written in.`,
  options: {
    output: { type: 'string', short: 'o' },
    'dry-run': { type: 'boolean' },
    'zeros-only': { type: 'boolean' },
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
          ...(values['zeros-only'] === true && { zerosOnly: true }),
        },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
      else {
        const verb = result.dryRun ? 'would reclaim' : 'reclaimed';
        io.stdout(
          `${result.dryRun ? `Compacting ${result.path} would give` : `Compacted ${result.output}:`} ${result.blocksBefore} -> ${result.blocksAfter} blocks, ${formatSize(result.sizeBefore)} -> ${formatSize(result.sizeAfter)}, ${result.dryRun ? 'reclaiming' : 'reclaimed'} ${formatSizeExact(result.reclaimedBytes)}\n` +
            `  zero blocks: ${result.zeroBlocks} (${formatSize(result.zeroBytes)}); free file-system space: ${result.freeSpaceBlocks} blocks (${formatSize(result.freeSpaceBytes)}) ${verb}\n` +
            volumeLines(result),
        );
      }
    } finally {
      bar.end();
    }
    return 0;
  },
};
