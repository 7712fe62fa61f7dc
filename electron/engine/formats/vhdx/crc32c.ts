// CRC-32C (Castagnoli), the checksum of every VHDX structure. Not zlib's CRC-32: the polynomial differs.

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const POLYNOMIAL = 0x82f63b78;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes`; pass the previous result as `crc` to continue a checksum over several pieces. */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C of `bytes` with the 4-byte checksum field at `checksumOffset` taken as zero, as VHDX stores it. */
export function crc32cWithZeroedField(bytes: Uint8Array, checksumOffset: number): number {
  let crc = crc32c(bytes.subarray(0, checksumOffset));
  crc = crc32c(new Uint8Array(4), crc);
  return crc32c(bytes.subarray(checksumOffset + 4), crc);
}
