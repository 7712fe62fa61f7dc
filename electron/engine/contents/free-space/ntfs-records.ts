// NTFS on-disk records for the free-space reader: MFT records (update-sequence fixups undone), their attributes,
// and non-resident data runs mapped to the volume. Every offset and length is checked against its record.
import { damaged, dataView, readVolume, u64le } from './volume';
import type { Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

export const FS = 'NTFS';
/** Fixups repair every 512 bytes of a record, whatever the sector size. */
const STRIDE = 512;
const END = 0xffffffff;

export interface NtfsGeometry {
  readonly clusterBytes: number;
  readonly totalClusters: number;
  readonly recordBytes: number;
  readonly indexBlockBytes: number;
  readonly mftOffset: number;
}

export interface Run {
  readonly vcn: number;
  readonly lcn: number | null;
  readonly length: number;
}

export interface Attribute {
  readonly type: number;
  readonly name: string;
  readonly resident: boolean;
  /** The value of a resident attribute. */
  readonly value: Uint8Array;
  /** Data runs and sizes of a non-resident one. */
  readonly runs: readonly Run[];
  readonly dataSize: number;
  readonly initializedSize: number;
}

/** Undoes the fixups of a multi-sector record (MFT record or index block) whose signature is `magic`. */
export function fixedUp(bytes: Uint8Array, magic: string, what: string): Uint8Array {
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== magic) throw damaged(FS, `${what} has no ${magic} signature`);
  const v = dataView(bytes);
  const usa = v.getUint16(4, true);
  const count = v.getUint16(6, true);
  if (count !== bytes.length / STRIDE + 1 || usa + count * 2 > bytes.length)
    throw damaged(FS, `${what} has an implausible update sequence`);
  const check = v.getUint16(usa, true);
  for (let i = 1; i < count; i++) {
    const at = i * STRIDE - 2;
    if (v.getUint16(at, true) !== check) throw damaged(FS, `${what} is torn (update sequence mismatch)`);
    v.setUint16(at, v.getUint16(usa + i * 2, true), true);
  }
  return bytes;
}

export function decodeRuns(bytes: Uint8Array, totalClusters: number): Run[] {
  const runs: Run[] = [];
  let vcn = 0;
  let lcn = 0;
  for (let at = 0; at < bytes.length && bytes[at] !== 0;) {
    const lengthBytes = bytes[at]! & 0xf;
    const offsetBytes = bytes[at]! >> 4;
    if (lengthBytes === 0 || lengthBytes > 8 || offsetBytes > 8 || at + 1 + lengthBytes + offsetBytes > bytes.length)
      throw damaged(FS, 'has a malformed data run');
    let length = 0;
    for (let i = lengthBytes - 1; i >= 0; i--) length = length * 256 + bytes[at + 1 + i]!;
    let delta = 0;
    for (let i = offsetBytes - 1; i >= 0; i--) delta = delta * 256 + bytes[at + 1 + lengthBytes + i]!;
    if (offsetBytes > 0 && bytes[at + lengthBytes + offsetBytes]! & 0x80) delta -= 2 ** (8 * offsetBytes);
    if (offsetBytes > 0) lcn += delta;
    if (length > totalClusters || (offsetBytes > 0 && (lcn < 0 || lcn + length > totalClusters)))
      throw damaged(FS, 'has a data run outside the volume');
    runs.push({ vcn, lcn: offsetBytes > 0 ? lcn : null, length });
    vcn += length;
    at += 1 + lengthBytes + offsetBytes;
  }
  return runs;
}

/** The attributes of a fixed-up MFT record. */
export function attributes(record: Uint8Array, totalClusters: number): Attribute[] {
  const v = dataView(record);
  const used = Math.min(v.getUint32(24, true), record.length);
  const found: Attribute[] = [];
  for (let at = v.getUint16(20, true); at + 16 <= used;) {
    const type = v.getUint32(at, true);
    if (type === END) break;
    const length = v.getUint32(at + 4, true);
    if (length < 16 || length % 8 !== 0 || at + length > used)
      throw damaged(FS, 'MFT record has a malformed attribute');
    const attr = record.subarray(at, at + length);
    const a = dataView(attr);
    const nameLength = attr[9]!;
    const nameOffset = a.getUint16(10, true);
    if (nameOffset + nameLength * 2 > length) throw damaged(FS, 'MFT record has a malformed attribute name');
    const name = new TextDecoder('utf-16le').decode(attr.subarray(nameOffset, nameOffset + nameLength * 2));
    const resident = attr[8] === 0;
    if (resident) {
      const size = length >= 24 ? a.getUint32(16, true) : -1;
      const offset = length >= 24 ? a.getUint16(20, true) : 0;
      if (size < 0 || offset + size > length) throw damaged(FS, 'MFT record has a malformed resident value');
      const value = attr.subarray(offset, offset + size);
      found.push({ type, name, resident, value, runs: [], dataSize: size, initializedSize: size });
    } else {
      if (length < 64) throw damaged(FS, 'MFT record has a malformed non-resident attribute');
      const runsAt = a.getUint16(32, true);
      const dataSize = u64le(a, 48);
      const initializedSize = u64le(a, 56);
      if (runsAt > length || dataSize === null || initializedSize === null)
        throw damaged(FS, 'MFT record has a malformed non-resident attribute');
      const runs = a.getBigUint64(16, true) === 0n ? decodeRuns(attr.subarray(runsAt), totalClusters) : [];
      found.push({ type, name, resident, value: new Uint8Array(0), runs, dataSize, initializedSize });
    }
    at += length;
  }
  return found;
}

/** Reads `length` bytes at byte `offset` of a non-resident stream through its runs (holes read as zeros). */
export async function readStream(
  image: DiskImage,
  volume: Volume,
  geometry: NtfsGeometry,
  runs: readonly Run[],
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const cb = geometry.clusterBytes;
  for (const run of runs) {
    const runStart = run.vcn * cb;
    const runEnd = runStart + run.length * cb;
    const from = Math.max(offset, runStart);
    const to = Math.min(offset + length, runEnd);
    if (from >= to || run.lcn === null) continue;
    const bytes = await readVolume(image, volume, run.lcn * cb + (from - runStart), to - from, FS, 'data');
    out.set(bytes, from - offset);
  }
  return out;
}

/** The unnamed attribute of `type` in a record's own attributes (an attribute list is not followed). */
export function unnamed(attrs: readonly Attribute[], type: number, name = ''): Attribute | undefined {
  return attrs.find((a) => a.type === type && a.name === name);
}
