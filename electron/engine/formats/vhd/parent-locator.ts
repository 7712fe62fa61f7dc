import { PlatterError } from '../../errors';
import { SECTOR, view } from '../fields';

export const LOCATOR_ENTRY_SIZE = 24;
export const LOCATOR_COUNT = 8;
/** Longest locator path accepted: Windows' 32,767-character limit in UTF-16. */
export const MAX_LOCATOR_BYTES = 65536;

export const PLATFORM = {
  W2ru: 0x57327275, // relative Windows path, UTF-16LE
  W2ku: 0x57326b75, // absolute Windows path, UTF-16LE
  MacX: 0x4d616358, // file URL, UTF-8
  Mac: 0x4d616320, // Mac OS alias blob
  Wi2r: 0x57693272, // deprecated relative path
  Wi2k: 0x5769326b, // deprecated absolute path
} as const;

export interface LocatorEntry {
  readonly platformCode: number;
  /** As stored: the spec says sectors, Virtual PC and Hyper-V write bytes. See `locatorSpaceBytes`. */
  readonly dataSpace: number;
  readonly dataLength: number;
  readonly dataOffset: number;
}

export function platformName(code: number): string {
  const text = String.fromCharCode((code >>> 24) & 0xff, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff);
  return /^[\x20-\x7e]{4}$/.test(text) ? text : `0x${code.toString(16).padStart(8, '0')}`;
}

export function parseLocatorEntry(bytes: Uint8Array): LocatorEntry {
  const dv = view(bytes);
  const offset = dv.getBigUint64(16);
  return {
    platformCode: dv.getUint32(0),
    dataSpace: dv.getUint32(4),
    dataLength: dv.getUint32(8),
    dataOffset: offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offset),
  };
}

export function serializeLocatorEntry(entry: LocatorEntry, into: Uint8Array): void {
  const dv = view(into);
  dv.setUint32(0, entry.platformCode);
  dv.setUint32(4, entry.dataSpace);
  dv.setUint32(8, entry.dataLength);
  dv.setUint32(12, 0);
  dv.setBigUint64(16, BigInt(entry.dataOffset));
}

/** The bytes a locator reserves: a value below 512 cannot be bytes of a sector-aligned area, so it is sectors. */
export function locatorSpaceBytes(entry: LocatorEntry): number {
  return entry.dataSpace < SECTOR ? entry.dataSpace * SECTOR : entry.dataSpace;
}

/** Validates a locator's data range against the file and returns it, or throws VHD_BAD_LOCATOR. */
export function locatorDataRange(entry: LocatorEntry, fileSize: number): { offset: number; length: number } {
  const name = platformName(entry.platformCode);
  if (entry.dataLength === 0 || entry.dataLength > MAX_LOCATOR_BYTES) {
    throw new PlatterError('VHD_BAD_LOCATOR', `the ${name} parent locator has an invalid length ${entry.dataLength}`);
  }
  if (entry.dataOffset + entry.dataLength > fileSize) {
    throw new PlatterError('VHD_BAD_LOCATOR', `the ${name} parent locator points past the end of the file`, undefined, {
      offset: entry.dataOffset,
    });
  }
  return { offset: entry.dataOffset, length: entry.dataLength };
}

/** Decodes a locator's data into a path, or null for platforms that store no path (Mac OS aliases). */
export function decodeLocatorPath(code: number, data: Uint8Array): string | null {
  switch (code) {
    case PLATFORM.W2ru:
    case PLATFORM.W2ku:
      return stripNul(Buffer.from(data).toString('utf16le'));
    case PLATFORM.MacX:
      return fileUrlToPath(stripNul(Buffer.from(data).toString('utf8')));
    case PLATFORM.Wi2r:
    case PLATFORM.Wi2k:
      return stripNul(Buffer.from(data).toString('latin1'));
    default:
      return null;
  }
}

export function encodeLocatorPath(code: number, path: string): Uint8Array {
  if (code === PLATFORM.MacX) return new Uint8Array(Buffer.from(pathToFileUrl(path), 'utf8'));
  return new Uint8Array(Buffer.from(path, 'utf16le'));
}

function stripNul(text: string): string {
  const end = text.indexOf('\0');
  return end === -1 ? text : text.slice(0, end);
}

function fileUrlToPath(url: string): string {
  const withoutScheme = url.replace(/^file:\/\/(localhost)?/i, '');
  try {
    return decodeURIComponent(withoutScheme);
  } catch {
    return withoutScheme;
  }
}

function pathToFileUrl(path: string): string {
  return 'file://' + path.split('/').map(encodeURIComponent).join('/');
}
