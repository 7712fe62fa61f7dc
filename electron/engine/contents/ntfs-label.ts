// An NTFS volume's label: the VOLUME_NAME attribute of MFT record 3 ($Volume), as blkid reads it.
import type { DiskImage } from '../image/disk-image';

const VOLUME_RECORD = 3;
const VOLUME_NAME = 0x60;
const END = 0xffffffff;

/** Undoes the update-sequence fixups that NTFS stores in the last two bytes of each sector of a record. */
function applyFixups(record: Uint8Array, sectorSize: number): boolean {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const usa = view.getUint16(4, true);
  const count = view.getUint16(6, true);
  if (usa + count * 2 > record.length || count < 1) return false;
  const check = view.getUint16(usa, true);
  for (let i = 1; i < count; i++) {
    const at = i * sectorSize - 2;
    if (at + 2 > record.length || view.getUint16(at, true) !== check) return false;
    view.setUint16(at, view.getUint16(usa + i * 2, true), true);
  }
  return true;
}

export async function ntfsLabel(image: DiskImage, start: number, boot: Uint8Array): Promise<string | null> {
  const b = new DataView(boot.buffer, boot.byteOffset, boot.byteLength);
  const sectorSize = b.getUint16(11, true);
  const perCluster = boot[13]!;
  const clusterSize = sectorSize * (perCluster > 0x80 ? 2 ** (256 - perCluster) : perCluster);
  const rawRecord = b.getInt8(64);
  const recordSize = rawRecord < 0 ? 2 ** -rawRecord : rawRecord * clusterSize;
  const mft = Number(b.getBigUint64(48, true)) * clusterSize;
  if (![512, 1024, 2048, 4096].includes(sectorSize) || recordSize < 256 || recordSize > 65536 || clusterSize === 0)
    return null;
  const position = start + mft + VOLUME_RECORD * recordSize;
  if (position + recordSize > image.virtualSize) return null;
  const record = new Uint8Array(recordSize);
  await image.read(record, position);
  if (String.fromCharCode(...record.subarray(0, 4)) !== 'FILE' || !applyFixups(record, sectorSize)) return null;
  const view = new DataView(record.buffer);
  for (let at = view.getUint16(20, true); at + 24 <= recordSize;) {
    const type = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (type === END || length < 24 || at + length > recordSize) break;
    if (type === VOLUME_NAME && record[at + 8] === 0) {
      const size = view.getUint32(at + 16, true);
      const offset = view.getUint16(at + 20, true);
      if (at + offset + size > recordSize) return null;
      const name = new TextDecoder('utf-16le').decode(record.subarray(at + offset, at + offset + size));
      return name === '' ? null : name;
    }
    at += length;
  }
  return null;
}
