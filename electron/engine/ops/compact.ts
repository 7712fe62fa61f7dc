import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError, throwIfAborted } from '../errors';
import { UNALLOCATED } from '../format/bat';
import type { DynamicHeader } from '../format/dynamic-header';
import { SECTOR, alignUp } from '../format/fields';
import { locatorDataRange } from '../format/parent-locator';
import type { LocatorEntry } from '../format/parent-locator';
import { openImage } from '../image/open-image';
import type { RandomAccessFile } from '../image/random-access-file';
import { VhdImage } from '../image/vhd-image';
import { PUMP_CHUNK, forEachDataRun, isAllZero } from './content-pump';
import { TABLE_OFFSET, endOfTable } from './new-vhd';
import { writeNewFile } from './output-file';
import type { ParentLink } from './parent-link';
import { progressReporter } from './progress';
import type { JobControl } from './progress';
import { SparseVhdWriter } from './sparse-vhd-writer';

export interface CompactOptions {
  readonly path: string;
  /** Write the compacted image here and leave the original alone; default: compact in place. */
  readonly output?: string;
}

export interface CompactResult {
  readonly path: string;
  readonly output: string;
  readonly blocksBefore: number;
  readonly blocksAfter: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly reclaimedBytes: number;
}

/**
 * Drops blocks that read as zeros (for a differencing disk, only where the parent reads zeros too), packs the rest
 * in order and writes a new file that replaces the old one in a single rename: a kill leaves the old or the new
 * image, never a mix. UUID, timestamps, parent links and every footer field are kept, so children stay valid.
 */
export async function compactImage(options: CompactOptions, control: JobControl = {}): Promise<CompactResult> {
  const path = resolve(options.path);
  const output = resolve(options.output ?? options.path);
  const inPlace = output === path;
  const image = await openImage(path);
  try {
    if (!(image instanceof VhdImage))
      throw new PlatterError('UNSUPPORTED', `${path} is not a VHD`, 'compact works on dynamic and differencing VHDs');
    const { structure } = image;
    if (!structure.header || !structure.bat) {
      throw new PlatterError(
        'NOT_COMPACTABLE',
        `${path} is a fixed VHD, which always holds every byte`,
        'convert it to a dynamic VHD to reclaim space: `platter convert IN OUT.vhd --type dynamic`',
      );
    }
    const sizeBefore = (await stat(path)).size;
    const mode = (await stat(path)).mode & 0o7777;
    const blocksBefore = structure.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0);
    let blocksAfter = 0;
    let sizeAfter = 0;
    await writeNewFile(
      output,
      control.signal,
      async (file) => {
        const result = await writeCompacted(file, image, control);
        blocksAfter = result.blocks;
        sizeAfter = result.size;
        // Windows cannot replace a file that is still open.
        if (inPlace) await image.close();
      },
      inPlace ? { replace: true, mode } : {},
    );
    return {
      path,
      output,
      blocksBefore,
      blocksAfter,
      sizeBefore,
      sizeAfter,
      reclaimedBytes: Math.max(0, sizeBefore - sizeAfter),
    };
  } finally {
    await image.close();
  }
}

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

async function writeCompacted(
  file: RandomAccessFile,
  image: VhdImage,
  control: JobControl,
): Promise<{ blocks: number; size: number }> {
  const { structure } = image;
  const source = image.sourceFile;
  const bat = structure.bat!;
  const old = structure.header!;
  const fresh: DynamicHeader = { ...old, tableOffset: TABLE_OFFSET, maxTableEntries: bat.length, locators: [] };
  const link = await relocateLocators(source, old, endOfTable(fresh));
  const header = { ...fresh, ...link.header };
  const writer = new SparseVhdWriter(file, structure.footer, header, link);
  const blockSize = old.blockSize;
  const progress = progressReporter(control, 'compacting', bat.length * blockSize);
  const piece = new Uint8Array(Math.min(PUMP_CHUNK, blockSize));
  let blocks = 0;
  for (let block = 0; block < bat.length; block++) {
    throwIfAborted(control.signal);
    const entry = bat[block]!;
    const start = block * blockSize;
    const used = Math.min(blockSize, image.virtualSize - start);
    if (entry !== UNALLOCATED && !(await readsAsZero(image, start, used, piece))) {
      const blockStart = entry * SECTOR;
      await writer.allocate(block, await source.readAt(blockStart, structure.bitmapSize));
      for (let off = 0; off < used; off += piece.length) {
        const chunk = piece.subarray(0, Math.min(piece.length, used - off));
        await source.read(chunk, blockStart + structure.bitmapSize + off);
        await forEachDataRun(chunk, off, async (data, at) => void (await writer.writeData(block, at, data)));
      }
      blocks++;
    }
    progress.add(blockSize);
  }
  progress.finish();
  return { blocks, size: await writer.finish() };
}

/** Whether the block reads as zeros in this disk and (for a child) in its parent too. */
async function readsAsZero(image: VhdImage, start: number, length: number, piece: Uint8Array): Promise<boolean> {
  for (const layer of image.parent ? [image, image.parent] : [image]) {
    for (let off = 0; off < length; off += piece.length) {
      const chunk = piece.subarray(0, Math.min(piece.length, length - off));
      await layer.read(chunk, start + off);
      if (!isAllZero(chunk)) return false;
    }
  }
  return true;
}
