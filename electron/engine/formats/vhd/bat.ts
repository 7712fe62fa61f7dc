import { SECTOR, alignUp } from '../fields';

/** A BAT entry meaning "this block is not allocated". */
export const UNALLOCATED = 0xffffffff;

/** Bytes the BAT occupies on disk: 4 per entry, padded to a sector. */
export function batBytes(entries: number): number {
  return alignUp(entries * 4, SECTOR);
}

/** Reads `entries` big-endian sector offsets. */
export function parseBat(bytes: Uint8Array, entries: number): Uint32Array {
  if (bytes.length < entries * 4) throw new RangeError('the block table is cut short');
  const table = new Uint32Array(entries);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < entries; i++) table[i] = dv.getUint32(i * 4);
  return table;
}

/** Serializes the table padded with UNALLOCATED to a whole sector. */
export function serializeBat(table: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(batBytes(table.length)).fill(0xff);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < table.length; i++) dv.setUint32(i * 4, table[i]!);
  return bytes;
}
