import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import { SECTOR, alignUp } from '../formats/fields';
import type { Footer } from '../formats/vhd/footer';
import { locatorDataRange } from '../formats/vhd/parent-locator';
import type { LocatorEntry } from '../formats/vhd/parent-locator';
import type { RandomAccessFile } from '../io/random-access-file';
import type { VhdImage } from '../formats/vhd/vhd-image';
import { TABLE_OFFSET, endOfTable } from '../formats/vhd/new-vhd';
import type { ParentLink } from './parent-link';
import { progressReporter } from './progress';
import type { JobControl } from './progress';
import type { FreeBlocks } from './free-blocks';
import { copyBlocks } from './rewrite-blocks';
import { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';

/** Copies the header's locator data to fresh places after the BAT. */
async function relocateLocators(source: RandomAccessFile, header: DynamicHeader, start: number): Promise<ParentLink> {
  const locators: LocatorEntry[] = [];
  const blobs: { offset: number; data: Uint8Array }[] = [];
  let offset = alignUp(start, SECTOR);
  for (const entry of header.locators) {
    if (entry.platformCode === 0) continue;
    const range = locatorDataRange(entry, source.size);
    const data = await source.readAt(range.offset, range.length);
    const space = alignUp(data.length, SECTOR);
    locators.push({ ...entry, dataSpace: space, dataOffset: offset });
    blobs.push({ offset, data });
    offset += space;
  }
  return {
    header: {
      parentUuid: header.parentUuid,
      parentTimestamp: header.parentTimestamp,
      parentName: header.parentName,
      locators,
    },
    blobs,
    end: offset,
  };
}

export interface RewriteOptions {
  /** Drop blocks that read as zeros (compact); otherwise every allocated block is kept. */
  readonly dropZeroBlocks: boolean;
  readonly phase: string;
  /** A different footer (a resize); the disk's own otherwise. */
  readonly footer?: Footer;
  /** With dropZeroBlocks: blocks wholly in unused space are dropped too, unread. */
  readonly free?: FreeBlocks | null;
}

/**
 * Writes a dynamic or differencing VHD anew into `file`: header and BAT sized for the footer's size, locators
 * copied after the BAT, blocks packed in order with their bitmaps, zero runs left as holes. Identity is kept.
 */
export async function rewriteSparse(
  file: RandomAccessFile,
  image: VhdImage,
  control: JobControl,
  options: RewriteOptions,
): Promise<{ blocks: number; size: number; freeBlocks: number }> {
  const { structure } = image;
  const source = image.sourceFile;
  const bat = structure.bat!;
  const old = structure.header!;
  const footer = options.footer ?? structure.footer;
  const entries = Math.ceil(footer.currentSize / old.blockSize);
  const fresh: DynamicHeader = { ...old, tableOffset: TABLE_OFFSET, maxTableEntries: entries, locators: [] };
  const link = await relocateLocators(source, old, endOfTable(fresh));
  const header = { ...fresh, ...link.header };
  const writer = new SparseVhdWriter(file, footer, header, link);
  const progress = progressReporter(control, options.phase, bat.length * old.blockSize);
  const count = Math.min(bat.length, entries);
  const tally = { free: 0 };
  const { dropZeroBlocks } = options;
  const free = options.free ?? null;
  const blocks = await copyBlocks({ image, writer, count, dropZeroBlocks, control, progress, free, tally });
  // Blocks past the new size (a shrink) are not read: count them done.
  progress.add((bat.length - count) * old.blockSize);
  progress.finish();
  return { blocks, size: await writer.finish(), freeBlocks: tally.free };
}

/**
 * What `rewriteSparse` with dropZeroBlocks would produce, without writing: the blocks kept and the file size. It
 * reads every allocated block (that is how zeros are found), so it takes about as long as reading them.
 */
export async function estimateCompaction(
  image: VhdImage,
  control: JobControl,
  free: FreeBlocks | null,
): Promise<{ blocks: number; size: number; freeBlocks: number }> {
  const { structure } = image;
  const bat = structure.bat!;
  const header = structure.header!;
  const blockSize = header.blockSize;
  const progress = progressReporter(control, 'estimating', bat.length * blockSize);
  const count = bat.length;
  const tally = { free: 0 };
  const blocks = await copyBlocks({ image, writer: null, count, dropZeroBlocks: true, control, progress, free, tally });
  progress.finish();
  // The same layout rewriteSparse writes: header and BAT, locator data, the kept blocks, the footer.
  const table = endOfTable({ ...header, tableOffset: TABLE_OFFSET, maxTableEntries: bat.length });
  const locators = header.locators
    .filter((l) => l.platformCode !== 0)
    .reduce((n, l) => n + alignUp(l.dataLength, SECTOR), 0);
  const size = alignUp(table, SECTOR) + locators + blocks * (structure.bitmapSize + blockSize) + 512;
  return { blocks, size, freeBlocks: tally.free };
}
