// The Image view's first line, in plain words: "10 MiB Hyper-V disk (VHD, dynamic), one NTFS partition “New
// Volume”, 6.02 MiB on disk". Built from the details alone; the engine names the format and who made it.
import type {
  ChainLink,
  DetectResult,
  DiskContents,
  FileSystemFound,
  ImageDetails,
  PartitionEntry,
} from '../../../shared/ipc-contract';
import { baseName, formatBytes } from './format';

type Missing = Extract<ChainLink, { status: 'missing' }>;

export type Translate = (key: string, values?: Record<string, unknown>) => string;

/** The summary reads only these fields, so a raw disk's facts can be summarized the same way. */
export type SummaryFacts = Pick<
  ImageDetails,
  'kind' | 'diskType' | 'virtualSize' | 'fileSize' | 'contents' | 'chain' | 'allocatedBlocks'
>;

/** How people write blkid's file-system names. */
const FILE_SYSTEM_NAMES: Readonly<Record<string, string>> = {
  ntfs: 'NTFS',
  vfat: 'FAT',
  exfat: 'exFAT',
  swap: 'Linux swap',
  xfs: 'XFS',
  btrfs: 'Btrfs',
  hfsplus: 'HFS+',
  apfs: 'APFS',
  iso9660: 'ISO 9660',
  udf: 'UDF',
};

export function fileSystemName(type: string): string {
  return FILE_SYSTEM_NAMES[type] ?? type;
}

function labelled(t: Translate, fs: FileSystemFound): string {
  const name = fileSystemName(fs.type);
  return fs.label ? t('imageInfo.summary.labelled', { name, label: fs.label }) : name;
}

/** A partition by its file system, else by its type (what the table says it is for). */
function partitionName(t: Translate, p: PartitionEntry): string | null {
  if (p.fileSystem) return labelled(t, p.fileSystem);
  return p.typeName === 'unknown' ? null : p.typeName;
}

function contentsPhrase(t: Translate, c: DiskContents, nothingWritten: boolean): string {
  if (c.scheme) {
    const parts = c.partitions;
    const only = parts.length === 1 ? parts[0] : undefined;
    // "one NTFS partition “New Volume”": the label names the partition, after what it is.
    if (only?.fileSystem) {
      const { type, label } = only.fileSystem;
      const fs = fileSystemName(type);
      return label
        ? t('imageInfo.summary.oneLabelledPartition', { fs, label })
        : t('imageInfo.summary.onePartition', { fs });
    }
    if (only) {
      const type = partitionName(t, only);
      return type ? t('imageInfo.summary.oneBarePartition', { type }) : t('imageInfo.summary.oneUnknownPartition');
    }
    if (parts.length === 0) return t('imageInfo.summary.emptyTable', { scheme: c.scheme.toUpperCase() });
    const list = parts.map((p) => partitionName(t, p) ?? t('imageInfo.summary.noFs')).join(', ');
    return t('imageInfo.summary.partitions', { count: parts.length, list });
  }
  if (c.fileSystem) return t('imageInfo.summary.wholeDisk', { fs: labelled(t, c.fileSystem) });
  // No table and no file system: "empty" only when no block holds data, else it holds data of another kind.
  return t(nothingWritten ? 'imageInfo.summary.empty' : 'imageInfo.summary.blank');
}

export function diskSummary(t: Translate, info: SummaryFacts): string {
  const kind = [info.kind.format, t(`imageInfo.summary.types.${info.diskType}`)];
  const parent = info.chain[1];
  if (parent?.status === 'found') kind.push(t('imageInfo.summary.childOf', { name: baseName(parent.path) }));
  if (info.kind.layout) kind.push(info.kind.layout);
  const size = formatBytes(info.virtualSize);
  const parts = [
    info.kind.madeBy
      ? t('imageInfo.summary.disk', { size, madeBy: info.kind.madeBy, kind: kind.join(', ') })
      : t('imageInfo.summary.diskPlain', { size, kind: kind.join(', ') }),
  ];
  const missing = info.chain.find((l): l is Missing => l.status === 'missing');
  if (missing) parts.push(t('imageInfo.summary.parentMissing', { name: baseName(missing.expectedName) }));
  else if (info.contents) parts.push(contentsPhrase(t, info.contents, info.allocatedBlocks === 0));
  parts.push(t('imageInfo.summary.onDisk', { size: formatBytes(info.fileSize) }));
  return parts.join(', ');
}

/**
 * A raw disk's line (the Convert wizard's source): "16 MiB raw disk image, one FAT partition “USBSTICK”". Its file
 * is its disk, so the size is said once; what it holds is read as an image's is.
 */
export function rawDiskSummary(t: Translate, raw: Pick<DetectResult, 'fileSize' | 'contents'>): string {
  const size = formatBytes(raw.fileSize);
  const line = t('imageInfo.summary.raw', { size });
  return raw.contents ? `${line}, ${contentsPhrase(t, raw.contents, false)}` : line;
}
