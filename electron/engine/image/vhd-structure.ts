import { PlatterError } from '../errors';
import { UNALLOCATED, parseBat } from '../format/bat';
import { bitmapBytes } from '../format/bitmap';
import { DYNAMIC_HEADER_SIZE, parseDynamicHeader } from '../format/dynamic-header';
import type { DynamicHeader } from '../format/dynamic-header';
import { SECTOR, VHD_MAX_SIZE } from '../format/fields';
import { FOOTER_SIZE, hasFooterCookie, parseFooter } from '../format/footer';
import type { Footer, ParsedFooter } from '../format/footer';
import { geometryBytes } from '../format/geometry';
import type { RandomAccessFile } from './random-access-file';

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

async function readFooters(file: RandomAccessFile, warnings: string[]) {
  const size = file.size;
  if (size < FOOTER_SIZE - 1) {
    throw new PlatterError(
      'VHD_BAD_FOOTER',
      `${file.path} is ${size} bytes, too small to be a VHD`,
      'check that this is the right file',
    );
  }
  let end: ParsedFooter | null = null;
  let endFooterLength = 0;
  if (size >= FOOTER_SIZE) {
    end = tryParse(await file.readAt(size - FOOTER_SIZE, FOOTER_SIZE));
    if (end) endFooterLength = FOOTER_SIZE;
  }
  if (!end) {
    // Files from before Virtual PC 2004 may end with a 511-byte footer.
    const short = new Uint8Array(FOOTER_SIZE);
    await file.read(short.subarray(0, FOOTER_SIZE - 1), size - (FOOTER_SIZE - 1));
    end = tryParse(short);
    if (end) endFooterLength = FOOTER_SIZE - 1;
  }
  const head = size >= FOOTER_SIZE * 2 ? tryParse(await file.readAt(0, FOOTER_SIZE)) : null;
  const usableHead = head && head.footer.diskType !== 'fixed' ? head : null;
  if (end && (end.checksumValid || !usableHead?.checksumValid)) {
    if (!end.checksumValid)
      warnings.push('the footer checksum does not match its contents (the file was edited by hand or damaged)');
    return { parsed: end, source: 'end' as const, endFooterLength };
  }
  if (usableHead) {
    warnings.push(
      end
        ? 'the footer at the end of the file has a bad checksum; using the copy at the start of the file'
        : 'the footer at the end of the file is missing or damaged; using the copy at the start of the file',
    );
    if (!usableHead.checksumValid) warnings.push('the footer copy at the start of the file has a bad checksum');
    return { parsed: usableHead, source: 'head' as const, endFooterLength };
  }
  throw new PlatterError(
    'VHD_BAD_FOOTER',
    `${file.path} has no valid VHD footer at its end or its start`,
    'the file is not a VHD or is badly damaged; try `platter check` for details',
    { path: file.path },
  );
}

export async function readVhdStructure(file: RandomAccessFile): Promise<VhdStructure> {
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
  for (let block = 0; block < needed; block++) {
    const entry = bat[block]!;
    if (entry === UNALLOCATED) continue;
    const used = Math.min(header.blockSize, virtualSize - block * header.blockSize);
    if (entry * SECTOR + bitmapSize + used > limit) {
      throw new PlatterError(
        'VHD_BAT_OUT_OF_RANGE',
        `block ${block} of ${file.path} is recorded at offset ${entry * SECTOR}, past the end of the file`,
        'the file was cut short or is damaged; `platter check --repair` can drop the broken block',
        { path: file.path, offset: header.tableOffset + block * 4 },
      );
    }
  }
  return { ...common, header, headerChecksumValid, bat, bitmapSize };
}
