import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DiskContents, Partition } from '../../engine/contents/disk-contents';
import type { FileSystemProbe } from '../../engine/contents/file-systems';
import { inspectContents } from '../../engine/ops/contents';
import type { FormatDriver, FormatInfo } from '../../engine/formats/driver';
import { driverNamedBy, probeFormat } from '../../engine/formats/table';
import { RandomAccessFile } from '../../engine/io/random-access-file';
import { walkChain } from '../../engine/ops/chain';
import type { Chain } from '../../engine/ops/chain';
import type { ImageInfo } from '../../engine/formats/vhd/vhd-info';
import type { VhdxInfo } from '../../engine/formats/vhdx/vhdx-info';
import type { VdiInfo } from '../../engine/formats/vdi/vdi-info';
import type { VmdkInfo } from '../../engine/formats/vmdk/vmdk-info';
import type { Qcow2Info } from '../../engine/formats/qcow2/qcow2-info';
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

function chainLines(chain: Chain): string[] {
  if (chain.levels.length < 2 && !chain.broken) return [];
  const lines = ['Chain (child first):'];
  chain.levels.forEach((level, i) => {
    lines.push(
      `  ${i}. ${level.path}  ${level.diskType}, ${formatSize(level.virtualSize)}, holds ${formatSize(level.allocatedBytes)}${level.uuid ? `, UUID ${level.uuid}` : ''}`,
    );
  });
  const broken = chain.broken;
  if (broken) lines.push(`  ${chain.levels.length}. MISSING ${broken.name || `UUID ${broken.uuid}`}: ${broken.reason}`);
  return lines;
}

export function formatVhdxInfo(info: VhdxInfo, contents: DiskContents | null = null, chain?: Chain): string {
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
  return table(rows, [...inside.lines, ...(chain ? chainLines(chain) : [])], info.warnings);
}

const VDI_TYPE_NAMES = { normal: 'normal', fixed: 'fixed', undo: 'undo', diff: 'diff' };

export function formatVdiInfo(info: VdiInfo, contents: DiskContents | null = null, chain?: Chain): string {
  const g = info.lchsGeometry;
  const rows: [string, string][] = [
    ['Image', info.path],
    ['Format', `VDI ${info.version}, ${TYPE_NAMES[info.diskType]} (VirtualBox type ${VDI_TYPE_NAMES[info.imageType]})`],
    ['Virtual size', formatSizeExact(info.virtualSize)],
    ['File size', formatSizeExact(info.fileSize)],
    ['Block size', formatSize(info.blockSize)],
    ['Blocks allocated', `${info.allocatedBlocks} of ${info.totalBlocks}`],
    ['UUID', info.uuid],
    ['Modification UUID', info.modificationUuid],
  ];
  if (info.comment) rows.push(['Comment', info.comment]);
  if (g) rows.push(['LCHS geometry', g.cylinders ? `${g.cylinders}/${g.heads}/${g.sectors}` : 'not set yet']);
  if (info.parent) {
    const p = info.parent;
    rows.push(
      ['Parent', p.resolvedPath ?? 'NOT FOUND'],
      ['Parent UUID', p.uuid],
      ['Parent modification UUID', p.modificationUuid],
    );
  }
  const inside = contentsRows(contents);
  rows.push(...inside.rows);
  return table(rows, [...inside.lines, ...(chain ? chainLines(chain) : [])], info.warnings);
}

export function formatVmdkInfo(info: VmdkInfo, contents: DiskContents | null = null, chain?: Chain): string {
  const g = info.geometry;
  const rows: [string, string][] = [
    ['Image', info.path],
    ['Format', `VMDK ${info.createType}, ${TYPE_NAMES[info.diskType]}`],
    ['Virtual size', formatSizeExact(info.virtualSize)],
    ['File size', formatSizeExact(info.fileSize)],
    ['Descriptor', info.descriptorEmbedded ? `embedded in ${info.descriptorPath}` : info.descriptorPath],
    ...(info.ova
      ? ([
          ['OVA disks', info.ova.disks.map((d) => `${d.name} (${formatSize(d.size)})`).join(', ')],
          ['Disk read', `${info.ova.disk}, the first (convert reads it in place)`],
        ] as [string, string][])
      : []),
    ['CID', info.cid ?? '(none)'],
    ['Parent CID', info.parentCid],
  ];
  if (info.grainSize !== null) rows.push(['Grain size', formatSize(info.grainSize)]);
  if (info.blockSize !== null)
    rows.push([
      'Blocks allocated',
      `${info.allocatedBlocks} of ${info.totalBlocks} (${formatSize(info.blockSize)} each)`,
    ]);
  rows.push(['Allocated', formatSizeExact(info.allocatedBytes)]);
  if (info.adapterType !== null) rows.push(['Adapter', info.adapterType]);
  if (g) rows.push(['Geometry', `${g.cylinders} cylinders, ${g.heads} heads, ${g.sectorsPerTrack} sectors per track`]);
  if (info.hwVersion !== null) rows.push(['Hardware version', info.hwVersion]);
  info.extents.forEach((e, i) => {
    const sparse = e.sparse
      ? `, ${e.sparse.header} v${e.sparse.version}, ${formatSize(e.sparse.grainSize)} grains${e.sparse.compressed ? ', compressed' : ''}`
      : e.fileOffset
        ? ` at byte ${e.fileOffset}`
        : '';
    rows.push([
      `Extent ${i + 1}`,
      `${e.access} ${e.type} ${formatSize(e.sectors * 512)}${e.file ? ` ${e.file}` : ''}${sparse}`,
    ]);
  });
  if (info.parent) {
    const p = info.parent;
    rows.push(['Parent', p.resolvedPath ?? `NOT FOUND (${p.fileNameHint ?? 'no parentFileNameHint'})`]);
    if (p.fileNameHint !== null) rows.push(['Parent file name hint', p.fileNameHint]);
  }
  const inside = contentsRows(contents);
  rows.push(...inside.rows);
  return table(rows, [...inside.lines, ...(chain ? chainLines(chain) : [])], info.warnings);
}

export function formatQcow2Info(info: Qcow2Info, contents: DiskContents | null = null, chain?: Chain): string {
  const flags = [info.dirty ? 'dirty' : '', info.corrupt ? 'CORRUPT' : ''].filter(Boolean).join(', ');
  const rows: [string, string][] = [
    ['Image', info.path],
    ['Format', `qcow2 version ${info.version}, ${TYPE_NAMES[info.diskType]}`],
    ['Virtual size', formatSizeExact(info.virtualSize)],
    ['File size', formatSizeExact(info.fileSize)],
    ['Cluster size', formatSize(info.clusterSize)],
    ['Clusters allocated', `${info.allocatedBlocks} of ${info.totalBlocks} (${info.compressedClusters} compressed)`],
    ['Compression', info.compressionType],
    ['Refcounts', `${info.refcountBits}-bit${info.lazyRefcounts ? ', lazy' : ''}`],
  ];
  if (info.extendedL2) rows.push(['L2 entries', 'extended (32 subclusters per cluster)']);
  if (flags) rows.push(['Marked', flags]);
  if (info.backingFile) {
    const b = info.backingFile;
    rows.push(
      ['Backing file', `${b.name}${b.format ? ` (${b.format})` : ''}`],
      ['Backing path', b.resolvedPath ?? 'NOT FOUND'],
    );
  }
  rows.push(['Snapshots', String(info.snapshots.length)]);
  const snapshotLines = info.snapshots.map(
    (s) => `  ${s.id}. "${s.name}" ${s.date}${s.vmStateSize ? `, VM state ${formatSize(s.vmStateSize)}` : ''}`,
  );
  const inside = contentsRows(contents);
  rows.push(...inside.rows);
  return table(rows, [...snapshotLines, ...inside.lines, ...(chain ? chainLines(chain) : [])], info.warnings);
}

interface Probed {
  readonly driver: FormatDriver;
  readonly size: number;
  readonly device: boolean;
}

async function probe(path: string): Promise<Probed> {
  const file = await RandomAccessFile.open(path);
  try {
    const device = (await stat(path)).isBlockDevice();
    return { driver: await probeFormat(file), size: file.size, device };
  } finally {
    await file.close();
  }
}

/**
 * The driver that describes the file. A file without a signature is a raw disk, unless it is named as an image
 * (disk.vhdx): then it is a damaged one, and that format's reader says what is wrong. A device is always raw.
 */
function describer(path: string, probed: Probed): FormatDriver | null {
  if (probed.driver.describe) return probed.driver;
  const named = probed.device ? null : driverNamedBy(path);
  return named?.describe ? named : null;
}

type Printer<I> = (info: I, contents: DiskContents | null, chain: Chain) => string;

/** Each format's text: adding a format to FormatInfo makes this fail to compile until it has its printer. */
const PRINTERS: { [F in FormatInfo['format']]: Printer<Extract<FormatInfo, { format: F }>> } = {
  vhd: formatInfo,
  vhdx: formatVhdxInfo,
  vdi: formatVdiInfo,
  vmdk: formatVmdkInfo,
  qcow2: formatQcow2Info,
};

function printInfo(info: FormatInfo, contents: DiskContents | null, chain: Chain): string {
  return (PRINTERS[info.format] as Printer<FormatInfo>)(info, contents, chain);
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

export function formatInfo(info: ImageInfo, contents: DiskContents | null = null, chain?: Chain): string {
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
  return table(rows, [...inside.lines, ...(chain ? chainLines(chain) : [])], info.warnings);
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
    const absolute = resolve(path!);
    const probed = await probe(absolute);
    const driver = describer(absolute, probed);
    if (!driver?.describe) {
      const contents = await inspectContents(absolute, true);
      const json = {
        path: absolute,
        format: probed.driver.format,
        device: probed.device,
        virtualSize: probed.size,
        contents,
      };
      io.stdout(values.json ? JSON.stringify(json, null, 2) + '\n' : formatRawInfo(absolute, probed, contents));
      return 0;
    }
    const description = await driver.describe(absolute);
    const chain = await walkChain({ path: absolute, driver, description });
    const contents = await inspectContents(absolute);
    const { info } = description;
    io.stdout(
      values.json ? JSON.stringify({ ...info, chain, contents }, null, 2) + '\n' : printInfo(info, contents, chain),
    );
    return 0;
  },
};
