import { PlatterError } from '../../errors';
import { vhdChecksum } from './checksum';
import { NO_OFFSET, ascii, putAscii, uuidFromString, uuidToString, view } from '../fields';
import type { Geometry } from './geometry';

export const FOOTER_SIZE = 512;
export const FOOTER_COOKIE = 'conectix';

export type DiskType = 'fixed' | 'dynamic' | 'differencing';
const diskTypeCodes: Record<DiskType, number> = { fixed: 2, dynamic: 3, differencing: 4 };

export interface Footer {
  readonly features: number;
  readonly formatVersion: number;
  /** Offset of the dynamic header; null for "all ones" (fixed disks). */
  readonly dataOffset: number | null;
  /** Seconds since 2000-01-01 UTC. */
  readonly timestamp: number;
  readonly creatorApp: string;
  readonly creatorVersion: number;
  readonly creatorHostOs: number;
  readonly originalSize: number;
  readonly currentSize: number;
  readonly geometry: Geometry;
  readonly diskType: DiskType;
  readonly checksum: number;
  readonly uuid: string;
  readonly savedState: boolean;
}

export interface ParsedFooter {
  readonly footer: Footer;
  readonly checksumValid: boolean;
}

function bad(message: string): PlatterError {
  return new PlatterError('VHD_BAD_FOOTER', message, 'the image is damaged; try `platter check --repair` on a copy');
}

/** Parses a footer (512 bytes; 511 for files from before Virtual PC 2004, padded by the caller). */
export function parseFooter(bytes: Uint8Array): ParsedFooter {
  if (bytes.length < FOOTER_SIZE) throw bad(`the footer is ${bytes.length} bytes, expected ${FOOTER_SIZE}`);
  if (ascii(bytes, 0, 8) !== FOOTER_COOKIE) throw bad('the footer has no "conectix" cookie');
  const dv = view(bytes);
  const typeCode = dv.getUint32(60);
  const diskType = (Object.keys(diskTypeCodes) as DiskType[]).find((t) => diskTypeCodes[t] === typeCode);
  if (!diskType) throw bad(`the disk type ${typeCode} is not fixed (2), dynamic (3) or differencing (4)`);
  const rawDataOffset = dv.getBigUint64(16);
  const currentSize = dv.getBigUint64(48);
  const originalSize = dv.getBigUint64(40);
  if (currentSize > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`the current size ${currentSize} is impossibly large`);
  let dataOffset: number | null = null;
  if (diskType !== 'fixed') {
    if (rawDataOffset > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('the dynamic header offset is out of range');
    dataOffset = Number(rawDataOffset);
  }
  const checksum = dv.getUint32(64);
  return {
    footer: {
      features: dv.getUint32(8),
      formatVersion: dv.getUint32(12),
      dataOffset,
      timestamp: dv.getUint32(24),
      creatorApp: ascii(bytes, 28, 4),
      creatorVersion: dv.getUint32(32),
      creatorHostOs: dv.getUint32(36),
      originalSize: originalSize > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(originalSize),
      currentSize: Number(currentSize),
      geometry: { cylinders: dv.getUint16(56), heads: bytes[58]!, sectorsPerTrack: bytes[59]! },
      diskType,
      checksum,
      uuid: uuidToString(bytes.subarray(68, 84)),
      savedState: bytes[84] !== 0,
    },
    checksumValid: vhdChecksum(bytes.subarray(0, FOOTER_SIZE), 64) === checksum,
  };
}

/** Serializes a footer, computing its checksum (the footer's own checksum field is ignored). */
export function serializeFooter(footer: Footer): Uint8Array {
  const bytes = new Uint8Array(FOOTER_SIZE);
  const dv = view(bytes);
  putAscii(bytes, 0, FOOTER_COOKIE, 8);
  dv.setUint32(8, footer.features);
  dv.setUint32(12, footer.formatVersion);
  dv.setBigUint64(16, footer.dataOffset === null ? NO_OFFSET : BigInt(footer.dataOffset));
  dv.setUint32(24, footer.timestamp);
  putAscii(bytes, 28, footer.creatorApp, 4);
  dv.setUint32(32, footer.creatorVersion);
  dv.setUint32(36, footer.creatorHostOs);
  dv.setBigUint64(40, BigInt(footer.originalSize));
  dv.setBigUint64(48, BigInt(footer.currentSize));
  dv.setUint16(56, footer.geometry.cylinders);
  bytes[58] = footer.geometry.heads;
  bytes[59] = footer.geometry.sectorsPerTrack;
  dv.setUint32(60, diskTypeCodes[footer.diskType]);
  bytes.set(uuidFromString(footer.uuid), 68);
  bytes[84] = footer.savedState ? 1 : 0;
  dv.setUint32(64, vhdChecksum(bytes, 64));
  return bytes;
}

/** Whether `bytes` starts with the footer cookie (a cheap signature test). */
export function hasFooterCookie(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && ascii(bytes, 0, 8) === FOOTER_COOKIE;
}

export const CREATOR_HOST_WINDOWS = 0x5769326b; // 'Wi2k'
export const FEATURES_RESERVED = 0x2;
export const FORMAT_VERSION = 0x00010000;

/** The creator as four printable characters, e.g. "win " or "qemu"; control bytes shown as \xNN. */
export function printableFourCC(text: string): string {
  return [...text]
    .map((c) => (c >= ' ' && c <= '~' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .join('');
}

export function hostOsName(code: number): string {
  const fourcc = String.fromCharCode((code >>> 24) & 0xff, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff);
  return printableFourCC(fourcc);
}
