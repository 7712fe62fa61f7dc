import { driverFor, driverNamed, joinedWithOr, writtenFormats } from '../../engine/formats/table';
import { convertImage } from '../../engine/ops/convert';
import { convertToChild } from '../../engine/ops/convert-delta';
import type { OutputFormat } from '../../engine/ops/convert';
import { PRESETS } from '../../engine/ops/presets';
import type { PresetName } from '../../engine/ops/presets';
import type { Command, Values } from '../command';
import type { CliIo } from '../io';
import { progressBar } from '../progress-bar';
import { formatSize, formatSizeExact, parseSectorSize, parseSize } from '../sizes';
import { UsageError } from '../usage-error';

const presetLines = Object.values(PRESETS)
  .map((p) => `  ${p.name.padEnd(11)} ${p.description}`)
  .join('\n');

export const convertCommand: Command = {
  name: 'convert',
  summary:
    'Convert an image (raw, VHD of any type, VHDX, VDI, VMDK, qcow2) to a VHD, a VHDX, a VDI, a VMDK, a qcow2 or a raw image; the source is never changed.',
  usage:
    'convert IN OUT [--format vhd|vhdx|vdi|vmdk|qcow2|raw] [--type fixed|dynamic] [--block-size SIZE] [--logical-sector 512|4096] [--physical-sector 512|4096] [--subformat NAME] [--adapter NAME] [--compress] [--preset NAME] [--parent PARENT] [--verify] [--force-share]',
  details: `Options:
  --format FORMAT     vhd, vhdx, vdi, vmdk, qcow2 or raw (default: from OUT's extension: .vhd, .vhdx, .vdi, .vmdk,
                      .qcow2, .img/.raw/.bin)
  --type TYPE         dynamic (default) or fixed, for VHD and VHDX outputs
  --block-size SIZE   dynamic VHD block size, a power of two from 512K to 256M (default 2M); VHDX block
                      size, a power of two from 1M to 256M (default 32M, as Hyper-V); qcow2 cluster size,
                      a power of two from 512 to 2M (default 64K, as qemu)
  --logical-sector N  VHDX: the sector size the guest sees, 512 (default) or 4096
  --physical-sector N VHDX: the sector size the guest is told the disk has, 4096 (default) or 512
  --subformat NAME    VMDK: monolithic-sparse (default: a disk to attach in Workstation, Fusion, VirtualBox,
                      qemu) or stream-optimized (compressed, for ESXi / vCenter OVF import and cloud import)
  --adapter NAME      VMDK: the controller its descriptor names, lsilogic (default), ide or pvscsi
  --preset NAME       a ready-made target (below)
  --preallocate       write every byte, zeros included (fixed VHD and raw outputs)
  --parent PARENT     write OUT as a differencing child of PARENT holding only what differs in IN (IN must
                      have PARENT's size; a VHD child holds the 4 KiB pieces that differ, a VHDX child the
                      whole blocks): turns a modified copy back into a small delta of a parent of its format
  --compress          qcow2: write each cluster zlib-compressed (as \`qemu-img convert -c\`)
  --verify            read the output back and compare its content hash with the source's
  -U, --force-share   copy IN even while another program writes it (a running VM); the copy may then be
                      inconsistent, like a disk pulled from a running machine
  --json              print the result as JSON
  --quiet             no progress bar

Presets:
${presetLines}

IN may also be a whole disk or a partition (/dev/sdb, /dev/disk2), read as a raw image; it needs read access
(usually root), and nothing ever writes to it.

A differencing VHD is read through its parents and written as a standalone disk. Runs of zeros are never
stored: they stay holes, and a dynamic VHD allocates no block that is all zeros. Ctrl-C cancels and removes
the partial output.

Examples:
  platter convert disk.img disk.vhd
  platter convert disk.img disk.vhdx --block-size 1M --logical-sector 4096
  platter convert disk.img azure.vhd --preset azure --verify
  platter convert disk.img cloud.qcow2 --compress
  platter convert child.vhd flat.img
  sudo platter convert /dev/sdb usb-stick.vhd
  platter convert modified.img delta.vhd --parent base.vhd
  platter convert modified.img delta.vhdx --parent base.vhdx`,
  options: {
    format: { type: 'string' },
    type: { type: 'string' },
    'block-size': { type: 'string' },
    'logical-sector': { type: 'string' },
    'physical-sector': { type: 'string' },
    subformat: { type: 'string' },
    adapter: { type: 'string' },
    preset: { type: 'string' },
    preallocate: { type: 'boolean' },
    compress: { type: 'boolean' },
    verify: { type: 'boolean' },
    'force-share': { type: 'boolean', short: 'U' },
    parent: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  positionals: [2, 2],
  async run(values, [input, output], io) {
    const format = values.format as string | undefined;
    const formats = writtenFormats();
    if (format !== undefined && !formats.some((d) => d === driverNamed(format)))
      throw new UsageError(
        `--format "${format}" is not a format Platter writes - use ${joinedWithOr(formats.map((d) => `--format ${d.format}`))}`,
      );
    const logical = parseSectorSize(values['logical-sector'], '--logical-sector');
    const physical = parseSectorSize(values['physical-sector'], '--physical-sector');
    const type = values.type as string | undefined;
    if (type !== undefined && type !== 'fixed' && type !== 'dynamic')
      throw new UsageError(`--type "${type}" is not a VHD type - use --type fixed or --type dynamic`);
    const preset = values.preset as string | undefined;
    if (preset !== undefined && !(preset in PRESETS))
      throw new UsageError(`--preset "${preset}" is not a preset - use one of ${Object.keys(PRESETS).join(', ')}`);
    if (values.parent !== undefined) {
      if (type === 'fixed' || preset !== undefined) {
        throw new UsageError(
          '--parent makes a differencing disk, which is always dynamic - leave out --type and --preset',
        );
      }
      return convertDelta(values, input!, output!, io, format as OutputFormat | undefined);
    }
    const bar = progressBar(io, values.quiet === true);
    try {
      const result = await convertImage(
        {
          input: input!,
          output: output!,
          ...(format !== undefined && { format: format as OutputFormat }),
          ...(type !== undefined && { type }),
          ...(values['block-size'] !== undefined && {
            blockSize: parseSize(values['block-size'] as string, '--block-size'),
          }),
          ...(preset !== undefined && { preset: preset as PresetName }),
          ...(logical !== undefined && { logicalSectorSize: logical }),
          ...(physical !== undefined && { physicalSectorSize: physical }),
          ...(values.subformat !== undefined && { subformat: values.subformat as string }),
          ...(values.adapter !== undefined && { adapter: values.adapter as string }),
          ...(values.preallocate === true && { preallocate: true }),
          ...(values.verify === true && { verify: true }),
          ...(values['force-share'] === true && { forceShare: true }),
          ...(values.compress === true && { compress: true }),
        },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      if (values.json) {
        io.stdout(JSON.stringify(result, null, 2) + '\n');
        return 0;
      }
      if (result.paddedBytes > 0)
        io.stderr(
          `platter: note: the source is not a whole number of 512-byte sectors; padded with ${result.paddedBytes} zero bytes\n`,
        );
      if (result.roundedBytes > 0)
        io.stderr(
          `platter: note: the size was rounded up by ${formatSizeExact(result.roundedBytes)} for the ${preset} preset\n`,
        );
      const { name } = driverFor(result.format);
      const kind = result.diskType
        ? `${result.diskType} ${name}${result.blockSize ? ` (${formatSize(result.blockSize)} blocks)` : ''}`
        : name;
      io.stdout(
        `Converted ${input} to ${result.output}: ${kind}, ${formatSizeExact(result.virtualSize)}, file ${formatSize(result.fileSize)}\n`,
      );
      if (result.verifiedSha256)
        io.stdout(`Verified: the output's content matches the source (SHA-256 ${result.verifiedSha256})\n`);
    } finally {
      bar.end();
    }
    return 0;
  },
};

async function convertDelta(
  values: Values,
  input: string,
  output: string,
  io: CliIo,
  format: OutputFormat | undefined,
): Promise<number> {
  const bar = progressBar(io, values.quiet === true);
  try {
    const result = await convertToChild(
      {
        input,
        output,
        parent: values.parent as string,
        ...(format !== undefined && { format }),
        ...(values['block-size'] !== undefined && {
          blockSize: parseSize(values['block-size'] as string, '--block-size'),
        }),
        ...(values.verify === true && { verify: true }),
        ...(values['force-share'] === true && { forceShare: true }),
      },
      { signal: io.signal, onProgress: bar.onProgress },
    );
    bar.end();
    if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else {
      io.stdout(
        `Wrote ${result.output}: a child of ${result.parent} holding ${result.changedBlocks} of ${result.totalBlocks} blocks, file ${formatSize(result.fileSize)}\n`,
      );
      if (result.verifiedSha256)
        io.stdout(`Verified: the child read through its parent matches ${input} (SHA-256 ${result.verifiedSha256})\n`);
    }
  } finally {
    bar.end();
  }
  return 0;
}
