import { OUTPUT_OPTIONS } from '../../../../shared/formats';
import { PlatterError } from '../../errors';
import { vhdChecksum } from './checksum';
import { NO_OFFSET, ascii, isPowerOfTwo, putAscii, uuidFromString, uuidToString, view } from '../fields';
import { LOCATOR_COUNT, LOCATOR_ENTRY_SIZE, parseLocatorEntry, serializeLocatorEntry } from './parent-locator';
import type { LocatorEntry } from './parent-locator';

export const DYNAMIC_HEADER_SIZE = 1024;
export const DYNAMIC_HEADER_COOKIE = 'cxsparse';
export const HEADER_VERSION = 0x00010000;
const created = OUTPUT_OPTIONS.vhd.blockSizes!;
export const DEFAULT_BLOCK_SIZE = created.default;
/** Block sizes accepted when reading: any power of two in this range. */
export const MIN_READ_BLOCK_SIZE = 512;
export const MAX_BLOCK_SIZE = created.max;
/** Block sizes Platter creates. */
export const MIN_CREATE_BLOCK_SIZE = created.min;

const PARENT_NAME_OFFSET = 64;
const PARENT_NAME_BYTES = 512;
const LOCATORS_OFFSET = 576;

export interface DynamicHeader {
  readonly tableOffset: number;
  readonly headerVersion: number;
  readonly maxTableEntries: number;
  readonly blockSize: number;
  readonly checksum: number;
  readonly parentUuid: string;
  /** Seconds since 2000-01-01 UTC: the parent's modification time when the child was made. */
  readonly parentTimestamp: number;
  readonly parentName: string;
  /** Eight slots; unused ones have platform code 0. */
  readonly locators: readonly LocatorEntry[];
}

export interface ParsedDynamicHeader {
  readonly header: DynamicHeader;
  readonly checksumValid: boolean;
}

function bad(message: string): PlatterError {
  return new PlatterError('VHD_BAD_HEADER', message, 'the image is damaged; try `platter check --repair` on a copy');
}

export function parseDynamicHeader(bytes: Uint8Array): ParsedDynamicHeader {
  if (bytes.length < DYNAMIC_HEADER_SIZE) throw bad('the dynamic header is cut short');
  if (ascii(bytes, 0, 8) !== DYNAMIC_HEADER_COOKIE) throw bad('the dynamic header has no "cxsparse" cookie');
  const dv = view(bytes);
  const tableOffset = dv.getBigUint64(16);
  if (tableOffset > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('the block table offset is out of range');
  const blockSize = dv.getUint32(32);
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_READ_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new PlatterError(
      'VHD_BAD_BLOCK_SIZE',
      `the block size ${blockSize} is not a power of two between 512 bytes and 256 MiB`,
      'the image is damaged or not a VHD',
    );
  }
  const locators: LocatorEntry[] = [];
  for (let i = 0; i < LOCATOR_COUNT; i++) {
    const start = LOCATORS_OFFSET + i * LOCATOR_ENTRY_SIZE;
    locators.push(parseLocatorEntry(bytes.subarray(start, start + LOCATOR_ENTRY_SIZE)));
  }
  const nameBytes = Buffer.from(bytes.subarray(PARENT_NAME_OFFSET, PARENT_NAME_OFFSET + PARENT_NAME_BYTES));
  nameBytes.swap16(); // stored UTF-16 big-endian
  const name = nameBytes.toString('utf16le');
  const checksum = dv.getUint32(36);
  return {
    header: {
      tableOffset: Number(tableOffset),
      headerVersion: dv.getUint32(24),
      maxTableEntries: dv.getUint32(28),
      blockSize,
      checksum,
      parentUuid: uuidToString(bytes.subarray(40, 56)),
      parentTimestamp: dv.getUint32(56),
      parentName: name.includes('\0') ? name.slice(0, name.indexOf('\0')) : name,
      locators,
    },
    checksumValid: vhdChecksum(bytes.subarray(0, DYNAMIC_HEADER_SIZE), 36) === checksum,
  };
}

export function serializeDynamicHeader(header: DynamicHeader): Uint8Array {
  const bytes = new Uint8Array(DYNAMIC_HEADER_SIZE);
  const dv = view(bytes);
  putAscii(bytes, 0, DYNAMIC_HEADER_COOKIE, 8);
  dv.setBigUint64(8, NO_OFFSET);
  dv.setBigUint64(16, BigInt(header.tableOffset));
  dv.setUint32(24, header.headerVersion);
  dv.setUint32(28, header.maxTableEntries);
  dv.setUint32(32, header.blockSize);
  bytes.set(uuidFromString(header.parentUuid), 40);
  dv.setUint32(56, header.parentTimestamp);
  const name = Buffer.from(header.parentName, 'utf16le');
  if (name.length > PARENT_NAME_BYTES) throw new RangeError('the parent name is longer than 256 UTF-16 units');
  name.swap16();
  bytes.set(name, PARENT_NAME_OFFSET);
  header.locators.slice(0, LOCATOR_COUNT).forEach((entry, i) => {
    const start = LOCATORS_OFFSET + i * LOCATOR_ENTRY_SIZE;
    serializeLocatorEntry(entry, bytes.subarray(start, start + LOCATOR_ENTRY_SIZE));
  });
  dv.setUint32(36, vhdChecksum(bytes, 36));
  return bytes;
}
