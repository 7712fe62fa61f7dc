// Reads a VHD's structures the way the reader does, but tolerating damage: every problem is recorded instead of
// stopping at the first, and what was found is kept for `--repair` to plan from.
import { isPlatterError } from '../../errors';
import { parseBat } from './bat';
import { bitmapBytes } from './bitmap';
import { DYNAMIC_HEADER_SIZE, HEADER_VERSION, parseDynamicHeader } from './dynamic-header';
import type { DynamicHeader } from './dynamic-header';
import { VHD_MAX_SIZE } from '../fields';
import { FOOTER_SIZE } from './footer';
import type { RandomAccessFile } from '../../io/random-access-file';
import { STRUCTURE, blocksEnd, findBlockFaults, metadataRegions } from './vhd-blocks';
import type { BlockFaults, BlockLayout, FileRegion } from './vhd-blocks';
import { MAX_BAT_ENTRIES, chooseFooter, readFooterCopies, virtualSizeOf } from './vhd-structure';
import type { FooterCopies, FooterCopy } from './vhd-structure';
import { problemList } from '../../ops/check-problems';
import type { AddProblem, CheckProblem } from '../../ops/check-problems';

export interface HeaderScan {
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly header: DynamicHeader;
  readonly checksumValid: boolean;
}

export interface BlockScan {
  readonly bat: Uint32Array;
  readonly layout: BlockLayout;
  readonly faults: BlockFaults;
  /** End of everything that stays: header, table, locators and the sound blocks (whole blocks); null when the
   * table is shorter than the disk needs, so blocks past it may exist. */
  readonly dataEnd: number | null;
}

export interface VhdScan {
  readonly fileSize: number;
  readonly copies: FooterCopies;
  /** The footer copy the reader trusts, or null when there is none. */
  readonly footer: FooterCopy | null;
  readonly source: 'end' | 'head' | null;
  /** Dynamic and differencing disks, when the header parses. */
  readonly header: HeaderScan | null;
  /** When the block table could be read. */
  readonly blocks: BlockScan | null;
  /** Where the footers, header, table and locators lie (empty for a fixed disk or an unreadable header). */
  readonly structures: readonly FileRegion[];
  readonly problems: readonly CheckProblem[];
}

/** Most block faults listed one by one; a hostile table may hold millions. */
const LISTED_FAULTS = 100;

export async function scanVhd(file: RandomAccessFile): Promise<VhdScan> {
  const { problems, add } = problemList();
  const size = file.size;
  const copies = await readFooterCopies(file);
  const source = chooseFooter(copies);
  const { end, head } = copies;
  const footer = source === 'end' ? end : source === 'head' ? head : null;
  const result = { fileSize: size, copies, footer, source, problems };
  if (!end) {
    const message = 'the footer at the end of the file is missing or unreadable';
    add('VHD_FOOTER_MISSING', 'error', Math.max(0, size - FOOTER_SIZE), message);
  } else if (!end.parsed.checksumValid) {
    add('VHD_FOOTER_CHECKSUM', 'error', end.offset, 'the footer checksum does not match its contents');
  }
  if (!footer) return { ...result, header: null, blocks: null, structures: [] };
  const f = footer.parsed.footer;
  const virtualSize = virtualSizeOf(f);
  if (f.diskType === 'fixed') {
    const dataEnd = size - end!.length;
    if (dataEnd < virtualSize)
      add('VHD_TRUNCATED', 'error', size, `the file holds ${dataEnd} bytes of data for a ${virtualSize}-byte disk`);
    else if (dataEnd > f.currentSize)
      add(
        'VHD_FILE_LENGTH',
        'warning',
        f.currentSize,
        `the file has ${dataEnd - f.currentSize} bytes between the data and the footer`,
      );
    return { ...result, header: null, blocks: null, structures: [] };
  }
  checkHeadCopy(copies, add);
  const header = await scanHeader(file, f.dataOffset!, add);
  if (!header) return { ...result, header: null, blocks: null, structures: [] };
  const h = header.header;
  const entries = Math.min(h.maxTableEntries, Math.ceil(virtualSize / h.blockSize));
  const locators = f.diskType === 'differencing' ? h.locators : [];
  const regions = metadataRegions(header.offset, { tableOffset: h.tableOffset, entries }, locators, size);
  const structures = end ? [...regions, { start: end.offset, end: size, what: STRUCTURE.endFooter }] : regions;
  checkOverlaps(structures, add);
  const blocks = await scanBlocks(file, footer, end, header, regions, add);
  return { ...result, header, blocks, structures };
}

/** The footers, the header, the table and the locators must not share bytes. */
function checkOverlaps(structures: readonly FileRegion[], add: AddProblem): void {
  structures.forEach((a, i) => {
    for (const b of structures.slice(i + 1)) {
      if (a.start < b.end && b.start < a.end)
        add('VHD_STRUCTURE_OVERLAP', 'error', b.start, `${b.what} at ${b.start} overlaps ${a.what} at ${a.start}`);
    }
  });
}

function checkHeadCopy({ end, head }: FooterCopies, add: AddProblem): void {
  if (!head) {
    add(
      'VHD_FOOTER_COPY_MISSING',
      'error',
      0,
      'the copy of the footer at the start of the file is missing or unreadable',
    );
  } else if (!head.parsed.checksumValid) {
    add(
      'VHD_FOOTER_COPY_CHECKSUM',
      'error',
      0,
      'the checksum of the footer copy at the start does not match its contents',
    );
  } else if (end?.parsed.checksumValid && Buffer.compare(head.bytes, end.bytes) !== 0) {
    add('VHD_FOOTER_COPY_MISMATCH', 'error', 0, 'the footer copy at the start differs from the footer at the end');
  }
}

async function scanHeader(file: RandomAccessFile, dataOffset: number, add: AddProblem): Promise<HeaderScan | null> {
  if (dataOffset + DYNAMIC_HEADER_SIZE > file.size) {
    add(
      'VHD_HEADER_INVALID',
      'error',
      dataOffset,
      `the dynamic header offset ${dataOffset} is past the end of the file`,
    );
    return null;
  }
  const bytes = await file.readAt(dataOffset, DYNAMIC_HEADER_SIZE);
  try {
    const { header, checksumValid } = parseDynamicHeader(bytes);
    if (!checksumValid)
      add('VHD_HEADER_CHECKSUM', 'error', dataOffset, 'the dynamic header checksum does not match its contents');
    if (header.headerVersion !== HEADER_VERSION) {
      const version = header.headerVersion.toString(16);
      add('VHD_HEADER_VERSION', 'warning', dataOffset + 24, `the header version is 0x${version}, not 0x10000`);
    }
    return { offset: dataOffset, bytes, header, checksumValid };
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add('VHD_HEADER_INVALID', 'error', dataOffset, err.message);
    return null;
  }
}

async function scanBlocks(
  file: RandomAccessFile,
  footer: FooterCopy,
  end: FooterCopy | null,
  { header, offset: dataOffset }: HeaderScan,
  regions: readonly FileRegion[],
  add: AddProblem,
): Promise<BlockScan | null> {
  const f = footer.parsed.footer;
  const virtualSize = virtualSizeOf(f);
  if (virtualSize > VHD_MAX_SIZE) {
    add('VHD_TOO_LARGE', 'error', 48, `the disk claims ${virtualSize} bytes, more than the 2040 GiB limit`);
    return null;
  }
  const needed = Math.ceil(virtualSize / header.blockSize);
  if (needed > MAX_BAT_ENTRIES) {
    add('VHD_BAT_LENGTH', 'error', dataOffset + 28, `a block table of ${needed} entries is longer than any VHD needs`);
    return null;
  }
  if (header.maxTableEntries !== needed) {
    add(
      'VHD_BAT_LENGTH',
      header.maxTableEntries < needed ? 'error' : 'warning',
      dataOffset + 28,
      `the block table has ${header.maxTableEntries} entries; a ${virtualSize}-byte disk with ${header.blockSize}-byte blocks needs exactly ${needed}`,
    );
  }
  const entries = Math.min(header.maxTableEntries, needed);
  if (header.tableOffset + entries * 4 > file.size) {
    add('VHD_BAT_OUT_OF_RANGE', 'error', header.tableOffset, 'the block table runs past the end of the file');
    return null;
  }
  const bat = parseBat(await file.readAt(header.tableOffset, entries * 4), entries);
  // Blocks must stop before a footer at the end; when it is gone, they may run to the end of the file.
  const limit = end ? end.offset : file.size;
  const bitmapSize = bitmapBytes(header.blockSize);
  const layout: BlockLayout = { blockSize: header.blockSize, bitmapSize, virtualSize, limit, regions };
  const faults = findBlockFaults(bat, layout, LISTED_FAULTS);
  const past = end ? `the footer at ${limit}` : `the end of the file at ${limit}`;
  for (const fault of faults.first) {
    const where = header.tableOffset + fault.block * 4;
    if (fault.kind === 'outside')
      add('VHD_BAT_OUT_OF_RANGE', 'error', where, `block ${fault.block} at offset ${fault.offset} runs past ${past}`);
    else
      add('VHD_BAT_OVERLAP', 'error', where, `block ${fault.block} at offset ${fault.offset} overlaps ${fault.other}`);
  }
  if (faults.count > faults.first.length) {
    const more = faults.count - faults.first.length;
    add('VHD_BAT_OVERLAP', 'error', header.tableOffset, `${more} more blocks run past the end or overlap (not listed)`);
  }
  const dataEnd = Math.max(...regions.map((r) => r.end), blocksEnd(bat, layout, faults.marks));
  const unused = limit - dataEnd;
  // A table shorter than the disk may not list the last blocks: the end of the data is then unknown.
  const complete = entries === needed;
  if (end && complete && unused >= bitmapSize + header.blockSize)
    add('VHD_FILE_LENGTH', 'warning', dataEnd, `the file has ${unused} unused bytes before its footer`);
  return { bat, layout, faults, dataEnd: complete ? dataEnd : null };
}
