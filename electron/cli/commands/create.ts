import { driverNamed, joinedWithOr, writtenFormats } from '../../engine/formats/table';
import { createImage } from '../../engine/ops/create';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';
import { formatSize, formatSizeExact, parseSectorSize, parseSize } from '../sizes';
import { UsageError } from '../usage-error';

export const createCommand: Command = {
  name: 'create',
  summary:
    'Create a new, empty VHD, VHDX or qcow2: fixed, dynamic, or a differencing child of a parent of the same format (VHD, VHDX).',
  usage:
    'create OUT (--size SIZE | --parent PARENT) [--format vhd|vhdx|vdi|vmdk|qcow2] [--type fixed|dynamic] [--block-size SIZE] [--logical-sector 512|4096] [--physical-sector 512|4096] [--subformat NAME] [--adapter NAME] [--preallocate]',
  details: `Options:
  --size SIZE         virtual size: bytes or K/M/G/T (powers of 1024), a multiple of 512 (of the logical
                      sector for a VHDX), at most 2040G for a VHD and 64T for a VHDX
  --format FORMAT     vhd, vhdx, vdi, vmdk or qcow2 (default: from OUT's extension, .vhdx, .vdi, .vmdk or
                      .qcow2, else vhd); a VDI has VirtualBox's 1 MiB blocks, at least 1M and at most 4T
  --type TYPE         dynamic (default: grows as data is written) or fixed (full size on disk)
  --block-size SIZE   VHD: dynamic block size, a power of two from 512K to 256M (default 2M; Windows accepts
                      512K and 2M); VHDX: a power of two from 1M to 256M (default 32M, as Hyper-V);
                      qcow2: the cluster size, a power of two from 512 to 2M (default 64K, as qemu)
  --logical-sector N  VHDX: the sector size the guest sees, 512 (default) or 4096
  --physical-sector N VHDX: the sector size the guest is told the disk has, 4096 (default) or 512
  --subformat NAME    VMDK: monolithic-sparse (default: a disk to attach in Workstation, Fusion, VirtualBox,
                      qemu) or stream-optimized (compressed, for ESXi / vCenter OVF import and cloud import)
  --adapter NAME      VMDK: the controller its descriptor names, lsilogic (default), ide or pvscsi
  --preallocate       fixed disks: write every byte now instead of leaving a sparse file
  --parent PARENT     make an empty differencing child of PARENT, a VHD for a .vhd child, a VHDX for a .vhdx
                      one (takes the parent's size, block size and, for a VHDX, its logical sector size)
  --json              print the result as JSON
  --quiet             no progress bar

Hyper-V, Azure, VirtualBox, qemu-img and libvhdi all read the created disk at exactly the size asked.
OUT must not exist yet.

Examples:
  platter create disk.vhd --size 20G
  platter create disk.vhdx --size 100G --logical-sector 4096
  platter create disk.vhd --size 64M --type fixed
  platter create child.vhd --parent base.vhd
  platter create child.vhdx --parent base.vhdx`,
  options: {
    size: { type: 'string' },
    format: { type: 'string' },
    type: { type: 'string' },
    'logical-sector': { type: 'string' },
    'physical-sector': { type: 'string' },
    subformat: { type: 'string' },
    adapter: { type: 'string' },
    'block-size': { type: 'string' },
    preallocate: { type: 'boolean' },
    parent: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  positionals: [1, 1],
  async run(values, [out], io) {
    const type = values.type as string | undefined;
    if (type !== undefined && type !== 'fixed' && type !== 'dynamic')
      throw new UsageError(`--type "${type}" is not a VHD type - use --type fixed or --type dynamic`);
    const format = values.format as string | undefined;
    const formats = writtenFormats(true);
    const driver = format === undefined ? undefined : formats.find((d) => d === driverNamed(format));
    if (format !== undefined && !driver)
      throw new UsageError(
        `--format "${format}" is not a format create writes - use ${joinedWithOr(formats.map((d) => `--format ${d.format}`))}`,
      );
    const logical = parseSectorSize(values['logical-sector'], '--logical-sector');
    const physical = parseSectorSize(values['physical-sector'], '--physical-sector');
    if (values.size === undefined && values.parent === undefined)
      throw new UsageError(
        'create needs the disk size - add --size SIZE (such as --size 20G), or --parent PARENT for a differencing disk',
      );
    const bar = progressBar(io, values.quiet === true);
    try {
      const result = await createImage(
        {
          path: out!,
          ...(values.size !== undefined && { size: parseSize(values.size as string, '--size') }),
          ...(type !== undefined && { type }),
          ...(driver && { format: driver.format as 'vhd' | 'vhdx' | 'vmdk' }),
          ...(logical !== undefined && { logicalSectorSize: logical }),
          ...(physical !== undefined && { physicalSectorSize: physical }),
          ...(values.subformat !== undefined && { subformat: values.subformat as string }),
          ...(values.adapter !== undefined && { adapter: values.adapter as string }),
          ...(values['block-size'] !== undefined && {
            blockSize: parseSize(values['block-size'] as string, '--block-size'),
          }),
          ...(values.preallocate === true && { preallocate: true }),
          ...(values.parent !== undefined && { parent: values.parent as string }),
        },
        { signal: io.signal, onProgress: bar.onProgress },
      );
      bar.end();
      if (values.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
      else {
        const block = result.blockSize ? `, ${formatSize(result.blockSize)} blocks` : '';
        const kind = `${result.diskType} ${result.format.toUpperCase()}`;
        io.stdout(`Created ${result.path}: ${kind}, ${formatSizeExact(result.virtualSize)}${block}\n`);
      }
    } finally {
      bar.end();
    }
    return 0;
  },
};
