import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DiskContents, Partition } from '../../engine/contents/disk-contents';
import type { FileSystemProbe } from '../../engine/contents/file-systems';
import { inspectContents } from '../../engine/ops/contents';
import { detectFormat } from '../../engine/image/open-image';
import { RandomAccessFile } from '../../engine/image/random-access-file';
import { inspectImage } from '../../engine/ops/info';
import type { ImageInfo } from '../../engine/ops/info';
import { inspectVhdx } from '../../engine/ops/vhdx-info';
import type { VhdxInfo } from '../../engine/ops/vhdx-info';
import type { Command } from '../command';
import { formatSize, formatSizeExact } from '../sizes';

const TYPE_NAMES = { fixed: 'fixed', dynamic: 'dynamic (sparse)', differencing: 'differencing (child of a parent)' };

function fileSystem(fs: FileSystemProbe | null): string {
  return fs ? `${fs.type}${fs.label !== null ? ` "${fs.label}"` : ''}` : 'no file system found';
}

function partitionLine(p: Partition): string {
  const extras = [p.bootable ? 'bootable' : '', p.name !== null ? `"${p.name}"` : ''].filter(Boolean).join(', ');
  return `  ${p.number}. ${formatSize(p.size)} at ${formatSize(p.start)}, ${p.typeName} (${p.type})${extras ? `, ${extras}` : ''}: ${fileSystem(p.fileSystem)}`;
}

/** The rows and lines that say what the disk holds; unreadable content (a missing parent) says so. */
function contentsRows(contents: DiskContents | null): { rows: [string, string][]; lines: string[] } {
  if (!contents) return { rows: [['Contents', 'not readable (see the warnings)']], lines: [] };
  if (contents.scheme === null) {
    const whole = contents.fileSystem ? `none; the whole disk holds ${fileSystem(contents.fileSystem)}` : 'none found';
    return { rows: [['Partition table', whole]], lines: [] };
  }
  const table =
    contents.scheme === 'mbr' ? `MBR, disk signature ${contents.diskId}` : `GPT, disk GUID ${contents.diskId}`;
  return { rows: [['Partition table', table]], lines: contents.partitions.map(partitionLine) };
}

function table(rows: [string, string][], after: string[], warnings: readonly string[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const lines = rows.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`);
  lines.push(...after);
  for (const w of warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n') + '\n';
}

export function formatVhdxInfo(info: VhdxInfo, contents: DiskContents | null = null): string {
  const sectors = `logical ${info.logicalSectorSize} bytes${info.physicalSectorSize ? `, physical ${info.physicalSectorSize} bytes` : ''}`;
  const rows: [string, string][] = [
    ['Image', info.path],
    ['Format', `VHDX, ${TYPE_NAMES[info.diskType]}`],
    ['Virtual size', formatSizeExact(info.virtualSize)],
    ['File size', formatSizeExact(info.fileSize)],
    ['Block size', formatSize(info.blockSize)],
    ['Blocks allocated', `${info.allocatedBlocks} of ${info.totalBlocks}`],
    ['Sector size', sectors],
    ['Data write GUID', info.dataWriteGuid],
    ['File write GUID', info.fileWriteGuid],
  ];
  if (info.parent) {
    const p = info.parent;
    rows.push(['Parent', p.resolvedPath ?? 'NOT FOUND'], ['Parent linkage', p.linkage]);
    for (const l of p.locators) rows.push([`Parent locator ${l.platform}`, l.path]);
  }
  const inside = contentsRows(contents);
  rows.push(...inside.rows);
  return table(rows, inside.lines, info.warnings);
}

interface Probed {
  readonly format: string;
  readonly size: number;
  readonly device: boolean;
}

async function probe(path: string): Promise<Probed> {
  const file = await RandomAccessFile.open(path);
  try {
    const device = (await stat(path)).isBlockDevice();
    return { format: await detectFormat(file), size: file.size, device };
  } finally {
    await file.close();
  }
}

/**
 * A raw disk (a device, or a file not named as an image) is described by its size and what it holds. A file
 * named .vhd or .vhdx without a signature is a damaged image: the VHD reader's error says what is wrong.
 */
function describedAsRaw(path: string, probed: Probed): boolean {
  return probed.format === 'raw' && (probed.device || !/\.vhdx?$/i.test(path));
}

function formatRawInfo(path: string, probed: Probed, contents: DiskContents | null): string {
  const inside = contentsRows(contents);
  const rows: [string, string][] = [
    ['Image', path],
    ['Format', probed.device ? 'raw device (a whole disk or a partition)' : 'raw disk image'],
    ['Size', formatSizeExact(probed.size)],
    ...inside.rows,
  ];
  return table(rows, inside.lines, []);
}

export function formatInfo(info: ImageInfo, contents: DiskContents | null = null): string {
  const g = info.geometry;
  const rows: [string, string][] = [
    ['Image', info.path],
    ['Format', `VHD, ${TYPE_NAMES[info.diskType]}`],
    ['Virtual size', formatSizeExact(info.virtualSize)],
    ['File size', formatSizeExact(info.fileSize)],
  ];
  if (info.blockSize !== null) {
    rows.push(['Block size', formatSize(info.blockSize)]);
    rows.push(['Blocks allocated', `${info.allocatedBlocks} of ${info.totalBlocks}`]);
  }
  rows.push(
    ['Creator', `"${info.creatorApp}" version ${info.creatorVersion} on "${info.creatorHostOs}"`],
    ['UUID', info.uuid],
    ['Created', info.timestamp],
    [
      'Geometry',
      `${g.cylinders} cylinders, ${g.heads} heads, ${g.sectorsPerTrack} sectors per track (${formatSize(g.cylinders * g.heads * g.sectorsPerTrack * 512)})`,
    ],
    ['Current size', formatSizeExact(info.currentSize)],
    ['Original size', formatSizeExact(info.originalSize)],
    ['Footer checksum', info.checksumValid ? 'valid' : 'MISMATCH'],
  );
  if (info.headerChecksumValid !== null)
    rows.push(['Header checksum', info.headerChecksumValid ? 'valid' : 'MISMATCH']);
  if (info.footerSource === 'head') rows.push(['Footer', 'the end footer is damaged; the copy at the start is in use']);
  const s = info.consumerSizes;
  rows.push([
    'Size as read by',
    `Hyper-V/Azure/VirtualBox ${formatSize(s.hyperV)}, Virtual PC ${formatSize(s.virtualPc)}, qemu-img ${formatSize(s.qemuImg)}`,
  ]);
  if (info.parent) {
    const p = info.parent;
    rows.push(['Parent', p.resolvedPath ?? `NOT FOUND (${p.name})`], ['Parent UUID', p.uuid], ['Parent name', p.name]);
    for (const l of p.locators) rows.push([`Parent locator ${l.platform}`, l.path ?? '(no path)']);
  }
  const inside = contentsRows(contents);
  rows.push(...inside.rows);
  const lines = [...inside.lines];
  if (info.chain.levels.length > 1 || info.chain.broken) {
    lines.push('Chain (child first):');
    info.chain.levels.forEach((level, i) => {
      lines.push(
        `  ${i}. ${level.path}  ${level.diskType}, ${formatSize(level.virtualSize)}, holds ${formatSize(level.allocatedBytes)}, UUID ${level.uuid}`,
      );
    });
    const broken = info.chain.broken;
    if (broken)
      lines.push(`  ${info.chain.levels.length}. MISSING ${broken.name || `UUID ${broken.uuid}`}: ${broken.reason}`);
  }
  return table(rows, lines, info.warnings);
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show what a VHD or VHDX is and holds: type, sizes, creator, allocation, parent, partitions, file systems.',
  usage: 'info [--json] IMAGE',
  details: `Options:
  --json    print one JSON object (for scripts)

Reads the image's headers and block table, and the few sectors that tell what the disk holds (its partition
table and each partition's file system and label), never the rest of its data. A raw disk image or a device
(/dev/sdb) shows its size and what it holds.

Examples:
  platter info disk.vhd
  sudo platter info /dev/sdb`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run(values, [path], io) {
    const probed = await probe(path!);
    if (describedAsRaw(path!, probed)) {
      const absolute = resolve(path!);
      const contents = await inspectContents(absolute, true);
      const json = { path: absolute, format: 'raw', device: probed.device, virtualSize: probed.size, contents };
      io.stdout(values.json ? JSON.stringify(json, null, 2) + '\n' : formatRawInfo(absolute, probed, contents));
      return 0;
    }
    if (probed.format === 'vhdx') {
      const info = await inspectVhdx(resolve(path!));
      const contents = await inspectContents(info.path);
      io.stdout(values.json ? JSON.stringify({ ...info, contents }, null, 2) + '\n' : formatVhdxInfo(info, contents));
      return 0;
    }
    const info = await inspectImage(path!);
    const contents = await inspectContents(info.path);
    io.stdout(values.json ? JSON.stringify({ ...info, contents }, null, 2) + '\n' : formatInfo(info, contents));
    return 0;
  },
};
