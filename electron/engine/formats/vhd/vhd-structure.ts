import { PlatterError, namingPath } from '../../errors';
import { parseBat } from './bat';
import { bitmapBytes } from './bitmap';
import { DYNAMIC_HEADER_SIZE, parseDynamicHeader } from './dynamic-header';
import type { DynamicHeader } from './dynamic-header';
import { SECTOR, VHD_MAX_SIZE } from '../fields';
import { FOOTER_SIZE, hasFooterCookie, parseFooter } from './footer';
import type { Footer, ParsedFooter } from './footer';
import { geometryBytes } from './geometry';
import type { RandomAccessFile } from '../../io/random-access-file';
import { findBlockFaults, metadataRegions } from './vhd-blocks';

/** Everything read from a VHD's headers, validated so that reads through it stay inside the file. */
export interface VhdStructure {
  readonly footer: Footer;
  readonly footerChecksumValid: boolean;
  /** Which copy of the footer is in use: the one at the end, or (when that one is damaged) the copy at offset 0. */
  readonly footerSource: 'end' | 'head';
  /** Length of the footer at the end: 512, or 511 for files from before Virtual PC 2004; 0 when it is missing. */
  readonly endFooterLength: number;
  readonly header: DynamicHeader | null;
  readonly headerChecksumValid: boolean;
  /** The BAT, trimmed to the entries the disk uses; null for fixed disks. */
  readonly bat: Uint32Array | null;
  readonly bitmapSize: number;
  readonly virtualSize: number;
  readonly warnings: readonly string[];
}

/**
 * The longest block table read: a 2040 GiB disk in 128 KiB blocks (64 MiB of table). Real images use 512 KiB or
 * 2 MiB blocks; a larger count comes from a damaged header and would only cost memory.
 */
export const MAX_BAT_ENTRIES = VHD_MAX_SIZE / (128 * 1024);

/** Creators whose guests saw the CHS geometry rather than current size (see docs/created-images.md). */
const GEOMETRY_CREATORS = new Set(['vpc ', 'vs  ']);

export function virtualSizeOf(footer: Footer): number {
  if (GEOMETRY_CREATORS.has(footer.creatorApp)) return geometryBytes(footer.geometry);
  return Math.floor(footer.currentSize / SECTOR) * SECTOR;
}

function tryParse(bytes: Uint8Array): ParsedFooter | null {
  if (!hasFooterCookie(bytes)) return null;
  try {
    return parseFooter(bytes);
  } catch {
    return null;
  }
}

/** One readable copy of the footer. */
export interface FooterCopy {
  /** Where the copy starts in the file. */
  readonly offset: number;
  /** 512, or 511 for a footer from before Virtual PC 2004 at the end of the file. */
  readonly length: number;
  /** The 512 bytes (a 511-byte footer padded with a zero). */
  readonly bytes: Uint8Array;
  readonly parsed: ParsedFooter;
}

export interface FooterCopies {
  /** The footer at the end of the file, when it has the cookie and parses. */
  readonly end: FooterCopy | null;
  /** The copy at offset 0 (dynamic and differencing disks), when it has the cookie and parses. */
  readonly head: FooterCopy | null;
}

/** Reads both footer copies, tolerating damage: a copy that is missing or does not parse is null. */
export async function readFooterCopies(file: RandomAccessFile): Promise<FooterCopies> {
  const size = file.size;
  let end: FooterCopy | null = null;
  if (size >= FOOTER_SIZE) {
    const bytes = await file.readAt(size - FOOTER_SIZE, FOOTER_SIZE);
    const parsed = tryParse(bytes);
    if (parsed) end = { offset: size - FOOTER_SIZE, length: FOOTER_SIZE, bytes, parsed };
  }
  if (!end && size >= FOOTER_SIZE - 1) {
    // Files from before Virtual PC 2004 may end with a 511-byte footer.
    const bytes = new Uint8Array(FOOTER_SIZE);
    await file.read(bytes.subarray(0, FOOTER_SIZE - 1), size - (FOOTER_SIZE - 1));
    const parsed = tryParse(bytes);
    if (parsed) end = { offset: size - (FOOTER_SIZE - 1), length: FOOTER_SIZE - 1, bytes, parsed };
  }
  let head: FooterCopy | null = null;
  if (size >= FOOTER_SIZE * 2) {
    const bytes = await file.readAt(0, FOOTER_SIZE);
    const parsed = tryParse(bytes);
    if (parsed) head = { offset: 0, length: FOOTER_SIZE, bytes, parsed };
  }
  return { end, head };
}

/** The copy the reader trusts: the one at the end, unless only the copy at the start of a sparse disk is valid. */
export function chooseFooter(copies: FooterCopies): 'end' | 'head' | null {
  const { end, head } = copies;
  const usableHead = head && head.parsed.footer.diskType !== 'fixed' ? head : null;
  if (end && (end.parsed.checksumValid || !usableHead?.parsed.checksumValid)) return 'end';
  return usableHead ? 'head' : null;
}

async function readFooters(file: RandomAccessFile, warnings: string[]) {
  const size = file.size;
  if (size < FOOTER_SIZE - 1) {
    throw new PlatterError(
      'VHD_BAD_FOOTER',
      `${file.path} is ${size} bytes, too small to be a VHD`,
      'check that this is the right file',
    );
  }
  const copies = await readFooterCopies(file);
  const { end, head } = copies;
  const endFooterLength = end?.length ?? 0;
  const source = chooseFooter(copies);
  if (source === 'end') {
    if (!end!.parsed.checksumValid)
      warnings.push('the footer checksum does not match its contents (the file was edited by hand or damaged)');
    return { parsed: end!.parsed, source, endFooterLength };
  }
  if (source === 'head') {
    warnings.push(
      end
        ? 'the footer at the end of the file has a bad checksum; using the copy at the start of the file'
        : 'the footer at the end of the file is missing or damaged; using the copy at the start of the file',
    );
    if (!head!.parsed.checksumValid) warnings.push('the footer copy at the start of the file has a bad checksum');
    return { parsed: head!.parsed, source, endFooterLength };
  }
  throw new PlatterError(
    'VHD_BAD_FOOTER',
    `${file.path} has no valid VHD footer at its end or its start`,
    'the file is not a VHD or is badly damaged; try `platter check` for details',
    { path: file.path },
  );
}

export function readVhdStructure(file: RandomAccessFile): Promise<VhdStructure> {
  return namingPath(file.path, () => readStructure(file));
}

async function readStructure(file: RandomAccessFile): Promise<VhdStructure> {
  const warnings: string[] = [];
  const { parsed, source, endFooterLength } = await readFooters(file, warnings);
  const footer = parsed.footer;
  if (footer.currentSize % SECTOR !== 0) {
    warnings.push(
      `the current size ${footer.currentSize} is not a whole number of sectors; the last partial sector is ignored`,
    );
  }
  const virtualSize = virtualSizeOf(footer);
  const common = {
    footer,
    footerChecksumValid: parsed.checksumValid,
    footerSource: source,
    endFooterLength,
    virtualSize,
    warnings,
  };

  if (footer.diskType === 'fixed') {
    const dataEnd = file.size - endFooterLength;
    if (virtualSize > dataEnd) {
      throw new PlatterError(
        'VHD_TRUNCATED',
        `${file.path} holds ${dataEnd} bytes of data but its footer says the disk is ${virtualSize} bytes`,
        'the file was cut short (an interrupted copy or download); copy it again',
        { path: file.path },
      );
    }
    return { ...common, header: null, headerChecksumValid: true, bat: null, bitmapSize: 0 };
  }

  const dataOffset = footer.dataOffset!;
  if (dataOffset + DYNAMIC_HEADER_SIZE > file.size) {
    throw new PlatterError(
      'VHD_BAD_HEADER',
      `the dynamic header offset ${dataOffset} is past the end of ${file.path}`,
      'the image is damaged',
      {
        path: file.path,
        offset: dataOffset,
      },
    );
  }
  const { header, checksumValid: headerChecksumValid } = parseDynamicHeader(
    await file.readAt(dataOffset, DYNAMIC_HEADER_SIZE),
  );
  if (!headerChecksumValid) warnings.push('the dynamic header checksum does not match its contents');
  if (virtualSize > VHD_MAX_SIZE) {
    throw new PlatterError(
      'VHD_TOO_LARGE',
      `the disk claims ${virtualSize} bytes, more than the VHD limit of 2040 GiB`,
      'the image is damaged',
      {
        path: file.path,
      },
    );
  }
  const needed = Math.ceil(virtualSize / header.blockSize);
  if (header.maxTableEntries < needed) {
    throw new PlatterError(
      'VHD_BAD_HEADER',
      `the block table has ${header.maxTableEntries} entries but a ${virtualSize}-byte disk needs ${needed}`,
      'the image is damaged; try `platter check`',
      { path: file.path },
    );
  }
  if (header.maxTableEntries > needed) {
    warnings.push(
      `the block table has ${header.maxTableEntries} entries where ${needed} are needed (strict readers such as Azure refuse this)`,
    );
  }
  if (needed > MAX_BAT_ENTRIES) {
    throw new PlatterError(
      'VHD_BAD_HEADER',
      `${file.path} claims a block table of ${needed} entries, more than any VHD needs (${MAX_BAT_ENTRIES})`,
      'the image is damaged; try `platter check`',
      { path: file.path, offset: dataOffset },
    );
  }
  if (header.tableOffset + needed * 4 > file.size) {
    throw new PlatterError(
      'VHD_BAT_OUT_OF_RANGE',
      `the block table at ${header.tableOffset} runs past the end of ${file.path}`,
      'the file was cut short or is damaged',
      {
        path: file.path,
        offset: header.tableOffset,
      },
    );
  }
  const bat = parseBat(await file.readAt(header.tableOffset, needed * 4), needed);
  const bitmapSize = bitmapBytes(header.blockSize);
  const limit = file.size - (source === 'end' ? endFooterLength : 0);
  const locators = footer.diskType === 'differencing' ? header.locators : [];
  const regions = metadataRegions(
    dataOffset,
    { tableOffset: header.tableOffset, entries: needed },
    locators,
    file.size,
  );
  const faults = findBlockFaults(bat, { blockSize: header.blockSize, bitmapSize, virtualSize, limit, regions }, 1);
  const fault = faults.first[0];
  if (fault) {
    const more = faults.count > 1 ? ` (and ${faults.count - 1} more)` : '';
    throw new PlatterError(
      fault.kind === 'outside' ? 'VHD_BAT_OUT_OF_RANGE' : 'VHD_BAT_OVERLAP',
      fault.kind === 'outside'
        ? `block ${fault.block} of ${file.path} is recorded at offset ${fault.offset}, past the end of the file${more}`
        : `block ${fault.block} of ${file.path} at offset ${fault.offset} overlaps ${fault.other}${more}`,
      'the file was cut short or is damaged; `platter check --repair` can drop the broken block',
      { path: file.path, offset: header.tableOffset + fault.block * 4 },
    );
  }
  return { ...common, header, headerChecksumValid, bat, bitmapSize };
}
