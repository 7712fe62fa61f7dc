// Small helpers for big-endian on-disk fields shared by the VHD structures.

import { SECTOR_SIZE, VHD_MAX_SIZE as MAX_SIZE } from '../../../shared/units';

export const SECTOR = SECTOR_SIZE;
/** The VHD format's largest virtual size: 2040 GiB (0xFF000000 sectors). */
export const VHD_MAX_SIZE = MAX_SIZE;
/** The 64-bit "no offset" value: fixed disks and the dynamic header's unused data offset hold all ones. */
export const NO_OFFSET = 0xffffffffffffffffn;

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 64-bit unsigned field as a number, or null when it does not fit in a safe integer. */
export function u64(dv: DataView, offset: number): number | null {
  const value = dv.getBigUint64(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

export function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

export function putAscii(bytes: Uint8Array, start: number, text: string, length: number): void {
  for (let i = 0; i < length; i++) bytes[start + i] = i < text.length ? text.charCodeAt(i) & 0xff : 0;
}

export function uuidToString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function uuidFromString(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${text}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** VHD timestamps count seconds from 2000-01-01T00:00:00Z. */
export const VHD_EPOCH_MS = Date.UTC(2000, 0, 1);

export function vhdTimeToDate(seconds: number): Date {
  return new Date(VHD_EPOCH_MS + seconds * 1000);
}

export function dateToVhdTime(date: Date): number {
  const seconds = Math.floor((date.getTime() - VHD_EPOCH_MS) / 1000);
  return Math.min(Math.max(seconds, 0), 0xffffffff);
}

export function isPowerOfTwo(n: number): boolean {
  // Not `n & (n - 1)` on numbers: bitwise operators truncate to 32 bits, so 6 GiB (0x180000000) would pass.
  if (!Number.isSafeInteger(n) || n <= 0) return false;
  const b = BigInt(n);
  return (b & (b - 1n)) === 0n;
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
