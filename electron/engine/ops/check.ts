import { resolve } from 'node:path';
import { PlatterError, isPlatterError } from '../errors';
import { UNALLOCATED, batBytes, parseBat } from '../format/bat';
import { bitmapBytes } from '../format/bitmap';
import { DYNAMIC_HEADER_SIZE, HEADER_VERSION, parseDynamicHeader } from '../format/dynamic-header';
import type { DynamicHeader } from '../format/dynamic-header';
import { SECTOR, VHD_MAX_SIZE } from '../format/fields';
import { FOOTER_SIZE, hasFooterCookie, parseFooter } from '../format/footer';
import type { ParsedFooter } from '../format/footer';
import { locatorSpaceBytes, platformName } from '../format/parent-locator';
import { detectFormat, readVhdUuid } from '../image/open-image';
import { findParent, readParentReference } from '../image/parent-reference';
import { RandomAccessFile } from '../image/random-access-file';
import { virtualSizeOf } from '../image/vhd-structure';

export interface CheckProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** File offset the problem is at, when it has one. */
  readonly offset: number | null;
  readonly message: string;
}

export interface CheckReport {
  readonly path: string;
  readonly problems: readonly CheckProblem[];
  /** True when there is no problem at all. */
  readonly clean: boolean;
}

type Add = (code: string, severity: CheckProblem['severity'], offset: number | null, message: string) => void;

function tryParseFooter(bytes: Uint8Array): ParsedFooter | null {
  if (!hasFooterCookie(bytes)) return null;
  try {
    return parseFooter(bytes);
  } catch {
    return null;
  }
}

/** A read-only structural check of a VHD that lists every problem it finds instead of stopping at the first. */
export async function checkImage(path: string): Promise<CheckReport> {
  const absolute = resolve(path);
  const file = await RandomAccessFile.open(absolute);
  const problems: CheckProblem[] = [];
  const add: Add = (code, severity, offset, message) => problems.push({ code, severity, offset, message });
  try {
    const format = await detectFormat(file);
    if (format !== 'vhd') {
      throw new PlatterError(
        'UNSUPPORTED',
        `${absolute} is not a VHD image`,
        format === 'vhdx' ? 'check of VHDX images is not supported yet' : 'give the path of a .vhd file',
        {
          path: absolute,
        },
      );
    }
    await checkVhd(file, add);
  } finally {
    await file.close();
  }
  return { path: absolute, problems, clean: problems.length === 0 };
}

async function checkVhd(file: RandomAccessFile, add: Add): Promise<void> {
  const size = file.size;
  const endBytes = size >= FOOTER_SIZE ? await file.readAt(size - FOOTER_SIZE, FOOTER_SIZE) : new Uint8Array(0);
  const end = tryParseFooter(endBytes);
  const headBytes = size >= 2 * FOOTER_SIZE ? await file.readAt(0, FOOTER_SIZE) : new Uint8Array(0);
  const head = tryParseFooter(headBytes);
  if (!end)
    add(
      'VHD_FOOTER_MISSING',
      'error',
      Math.max(0, size - FOOTER_SIZE),
      'the footer at the end of the file is missing or unreadable',
    );
  else if (!end.checksumValid)
    add('VHD_FOOTER_CHECKSUM', 'error', size - FOOTER_SIZE, 'the footer checksum does not match its contents');
  const footer = end ?? (head && head.footer.diskType !== 'fixed' ? head : null);
  if (!footer) return;
  const f = footer.footer;
  const virtualSize = virtualSizeOf(f);

  if (f.diskType === 'fixed') {
    if (size - FOOTER_SIZE < virtualSize)
      add(
        'VHD_TRUNCATED',
        'error',
        size,
        `the file holds ${size - FOOTER_SIZE} bytes of data for a ${virtualSize}-byte disk`,
      );
    else if (size - FOOTER_SIZE > f.currentSize)
      add(
        'VHD_FILE_LENGTH',
        'warning',
        f.currentSize,
        `the file has ${size - FOOTER_SIZE - f.currentSize} bytes between the data and the footer`,
      );
    return;
  }

  if (!head)
    add(
      'VHD_FOOTER_COPY_MISSING',
      'error',
      0,
      'the copy of the footer at the start of the file is missing or unreadable',
    );
  else if (!head.checksumValid)
    add(
      'VHD_FOOTER_COPY_CHECKSUM',
      'error',
      0,
      'the checksum of the footer copy at the start does not match its contents',
    );
  else if (end && Buffer.compare(Buffer.from(headBytes), Buffer.from(endBytes)) !== 0) {
    add('VHD_FOOTER_COPY_MISMATCH', 'error', 0, 'the footer copy at the start differs from the footer at the end');
  }

  const dataOffset = f.dataOffset!;
  if (dataOffset + DYNAMIC_HEADER_SIZE > size) {
    add(
      'VHD_HEADER_INVALID',
      'error',
      dataOffset,
      `the dynamic header offset ${dataOffset} is past the end of the file`,
    );
    return;
  }
  let header: DynamicHeader;
  try {
    const parsed = parseDynamicHeader(await file.readAt(dataOffset, DYNAMIC_HEADER_SIZE));
    header = parsed.header;
    if (!parsed.checksumValid)
      add('VHD_HEADER_CHECKSUM', 'error', dataOffset, 'the dynamic header checksum does not match its contents');
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add('VHD_HEADER_INVALID', 'error', dataOffset, err.message);
    return;
  }
  if (header.headerVersion !== HEADER_VERSION)
    add(
      'VHD_HEADER_VERSION',
      'warning',
      dataOffset + 24,
      `the header version is 0x${header.headerVersion.toString(16)}, not 0x10000`,
    );
  if (virtualSize > VHD_MAX_SIZE)
    add('VHD_TOO_LARGE', 'error', 48, `the disk claims ${virtualSize} bytes, more than the 2040 GiB limit`);

  const needed = Math.ceil(virtualSize / header.blockSize);
  if (header.maxTableEntries !== needed) {
    add(
      'VHD_BAT_LENGTH',
      header.maxTableEntries < needed ? 'error' : 'warning',
      dataOffset + 28,
      `the block table has ${header.maxTableEntries} entries; a ${virtualSize}-byte disk with ${header.blockSize}-byte blocks needs exactly ${needed}`,
    );
  }
  const entries = Math.min(header.maxTableEntries, needed);
  if (header.tableOffset + entries * 4 > size) {
    add('VHD_BAT_OUT_OF_RANGE', 'error', header.tableOffset, 'the block table runs past the end of the file');
    return;
  }
  const bat = parseBat(await file.readAt(header.tableOffset, entries * 4), entries);
  const regions: { start: number; end: number; what: string }[] = [
    { start: 0, end: FOOTER_SIZE, what: 'the footer copy' },
    { start: dataOffset, end: dataOffset + DYNAMIC_HEADER_SIZE, what: 'the dynamic header' },
    { start: header.tableOffset, end: header.tableOffset + batBytes(header.maxTableEntries), what: 'the block table' },
  ];
  for (const l of header.locators) {
    if (l.platformCode !== 0 && l.dataLength > 0)
      regions.push({
        start: l.dataOffset,
        end: l.dataOffset + Math.max(l.dataLength, Math.min(locatorSpaceBytes(l), SECTOR)),
        what: `the ${platformName(l.platformCode)} locator`,
      });
  }
  checkBlocks(bat, header, size, regions, add);
  if (f.diskType === 'differencing') await checkParent(file, header, dataOffset, add);
}

function checkBlocks(
  bat: Uint32Array,
  header: DynamicHeader,
  size: number,
  regions: { start: number; end: number; what: string }[],
  add: Add,
): void {
  const blockBytes = bitmapBytes(header.blockSize) + header.blockSize;
  const footerStart = size - FOOTER_SIZE;
  const blocks: { start: number; end: number; what: string }[] = [];
  let lastEnd = 0;
  bat.forEach((entry, index) => {
    if (entry === UNALLOCATED) return;
    const start = entry * SECTOR;
    const end = start + blockBytes;
    const where = header.tableOffset + index * 4;
    if (end > footerStart) {
      add(
        'VHD_BAT_OUT_OF_RANGE',
        'error',
        where,
        `block ${index} at offset ${start} runs past the footer at ${footerStart}`,
      );
      return;
    }
    const hit = regions.find((r) => start < r.end && r.start < end);
    if (hit) add('VHD_BAT_OVERLAP', 'error', where, `block ${index} at offset ${start} overlaps ${hit.what}`);
    blocks.push({ start, end, what: `block ${index}` });
    lastEnd = Math.max(lastEnd, end);
  });
  blocks.sort((a, b) => a.start - b.start);
  for (let i = 1; i < blocks.length; i++) {
    if (blocks[i]!.start < blocks[i - 1]!.end)
      add('VHD_BAT_OVERLAP', 'error', blocks[i]!.start, `${blocks[i]!.what} overlaps ${blocks[i - 1]!.what}`);
  }
  const dataEnd = Math.max(lastEnd, ...regions.map((r) => r.end));
  if (footerStart - dataEnd >= blockBytes) {
    add('VHD_FILE_LENGTH', 'warning', dataEnd, `the file has ${footerStart - dataEnd} unused bytes before its footer`);
  }
}

async function checkParent(file: RandomAccessFile, header: DynamicHeader, dataOffset: number, add: Add): Promise<void> {
  const warnings: string[] = [];
  const ref = await readParentReference(file, header, warnings);
  for (const w of warnings) add('VHD_LOCATOR_INVALID', 'error', null, w);
  if (ref.uuid === '00000000-0000-0000-0000-000000000000')
    add('VHD_PARENT_UUID', 'error', dataOffset + 40, 'the differencing disk records no parent UUID');
  try {
    await findParent(file.path, ref, readVhdUuid);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', null, err.message);
  }
}
