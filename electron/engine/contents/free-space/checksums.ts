// The checksums ext4 keeps over its superblock, group descriptors and bitmaps: CRC-32C (metadata_csum) and CRC-16
// (the older uninit_bg / gdt_csum). Both are kept raw (no final inversion), as ext4 stores them.

function table(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

const CRC32C = table(0x82f63b78);
const CRC16 = table(0xa001);

export function crc32c(seed: number, bytes: Uint8Array): number {
  let c = seed >>> 0;
  for (const b of bytes) c = CRC32C[(c ^ b) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

export function crc16(seed: number, bytes: Uint8Array): number {
  let c = seed & 0xffff;
  for (const b of bytes) c = (CRC16[(c ^ b) & 0xff]! ^ (c >>> 8)) & 0xffff;
  return c;
}

export function le32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return b;
}
