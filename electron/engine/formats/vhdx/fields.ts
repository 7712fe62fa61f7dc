// Little-endian helpers and sizes shared by the VHDX structures.

import { OUTPUT_OPTIONS } from '../../../../shared/formats';

export const KIB = 1024;
export const MIB = 1024 * 1024;
/** The VHDX format's largest virtual size: 64 TiB. */
export const VHDX_MAX_SIZE = OUTPUT_OPTIONS.vhdx.maxSize;

export function leView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 64-bit little-endian field as a number, or null when it does not fit in a safe integer. */
export function u64le(dv: DataView, offset: number): number | null {
  const value = dv.getBigUint64(offset, true);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

export function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

export function putAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i) & 0xff;
}

/** Decodes UTF-16LE up to the first NUL. */
export function utf16le(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength & ~1).toString('utf16le');
  const end = text.indexOf('\0');
  return end === -1 ? text : text.slice(0, end);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The remedy for a file whose structures are broken. */
export const DAMAGED = 'the image is damaged; restore it from a backup or copy it again from its source';
