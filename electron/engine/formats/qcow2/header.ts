// The qcow2 header (versions 2 and 3), big-endian at offset 0, checked field by field as qemu's qcow2_do_open
// checks it, and against the file's size before any table is read. Header extensions: extensions.ts.
import { PlatterError } from '../../errors';
import { ascii, u64, view } from '../fields';

export const QCOW2_MAGIC = 'QFI\xfb';
export const V2_HEADER_LENGTH = 72;
/** The v3 header with the compression type byte, padded to 8 bytes, as qemu 7.2 writes it. */
export const V3_HEADER_LENGTH = 112;
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
/** qemu's limits (block/qcow2.h): an L1 table of 32 MiB, a refcount table of 8 MiB, 65536 snapshots. */
export const MAX_L1_BYTES = 32 * 1024 * 1024;
export const MAX_REFCOUNT_TABLE_BYTES = 8 * 1024 * 1024;
export const MAX_SNAPSHOTS = 65536;
/** The longest backing file name qemu accepts. */
export const MAX_BACKING_NAME = 1023;

export const INCOMPATIBLE = {
  dirty: 1n << 0n,
  corrupt: 1n << 1n,
  externalDataFile: 1n << 2n,
  compressionType: 1n << 3n,
  extendedL2: 1n << 4n,
} as const;
const KNOWN_INCOMPATIBLE = Object.values(INCOMPATIBLE).reduce((a, b) => a | b, 0n);

export type CompressionType = 'zlib' | 'zstd';

export interface Qcow2Header {
  readonly version: 2 | 3;
  readonly backingFileOffset: number;
  readonly backingFileSize: number;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly virtualSize: number;
  readonly cryptMethod: number;
  readonly l1Size: number;
  readonly l1TableOffset: number;
  readonly refcountTableOffset: number;
  readonly refcountTableClusters: number;
  readonly snapshotCount: number;
  readonly snapshotsOffset: number;
  readonly incompatibleFeatures: bigint;
  readonly compatibleFeatures: bigint;
  readonly autoclearFeatures: bigint;
  readonly refcountOrder: number;
  readonly headerLength: number;
  readonly compressionType: CompressionType;
  readonly extendedL2: boolean;
}

export const DAMAGED = 'the image is damaged; restore it from a backup or convert it again from its source';

export function badHeader(message: string, remedy = DAMAGED): PlatterError {
  return new PlatterError('QCOW2_BAD_HEADER', `its qcow2 header ${message}`, remedy);
}

export function hasQcow2Signature(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ascii(bytes, 0, 4) === QCOW2_MAGIC;
}

function offsetField(dv: DataView, at: number, name: string): number {
  const value = u64(dv, at);
  if (value === null) throw badHeader(`has a ${name} past any file size`);
  return value;
}

/** Parses the fixed part of the header (`bytes` holds at least its first 112 bytes, or the whole file if shorter). */
export function parseQcow2Header(bytes: Uint8Array, fileSize: number): Qcow2Header {
  if (bytes.length < V2_HEADER_LENGTH || !hasQcow2Signature(bytes))
    throw badHeader('is missing or shorter than 72 bytes');
  const dv = view(bytes);
  const version = dv.getUint32(4);
  if (version !== 2 && version !== 3)
    throw new PlatterError(
      'UNSUPPORTED',
      `it is qcow2 version ${version}; Platter reads versions 2 and 3`,
      'convert it with `qemu-img convert -O qcow2` (which writes version 3), then open that',
    );
  const clusterBits = dv.getUint32(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS)
    throw badHeader(`gives a cluster size of 2^${clusterBits} bytes; qcow2 clusters are 512 bytes to 2 MiB`);
  const clusterSize = 2 ** clusterBits;
  const v3 = version === 3;
  if (v3 && bytes.length < 104) throw badHeader('is a version 3 header shorter than 104 bytes');
  const headerLength = v3 ? dv.getUint32(100) : V2_HEADER_LENGTH;
  if (headerLength < (v3 ? 104 : V2_HEADER_LENGTH) || headerLength > clusterSize || headerLength % 8 !== 0)
    throw badHeader(`says it is ${headerLength} bytes long (at least 104, a multiple of 8, within the first cluster)`);
  const incompatibleFeatures = v3 ? dv.getBigUint64(72) : 0n;
  const unknown = incompatibleFeatures & ~KNOWN_INCOMPATIBLE;
  if (unknown !== 0n)
    throw new PlatterError(
      'UNSUPPORTED',
      `it uses qcow2 features Platter does not know (incompatible feature bits 0x${unknown.toString(16)})`,
      'convert it with a current `qemu-img convert -O qcow2`, then open that',
    );
  const compressionByte = v3 && headerLength > 104 && bytes.length > 104 ? dv.getUint8(104) : 0;
  if (compressionByte > 1) throw badHeader(`names compression type ${compressionByte} (0 is zlib, 1 is zstd)`);
  if (compressionByte === 1 && (incompatibleFeatures & INCOMPATIBLE.compressionType) === 0n)
    throw badHeader('names zstd compression without setting its incompatible feature bit');
  const extendedL2 = (incompatibleFeatures & INCOMPATIBLE.extendedL2) !== 0n;
  if (extendedL2 && clusterBits < 14) throw badHeader('uses extended L2 entries with clusters under 16 KiB');
  const refcountOrder = v3 ? dv.getUint32(96) : 4;
  if (refcountOrder > 6) throw badHeader(`gives refcounts of 2^${refcountOrder} bits (at most 64)`);
  const header: Qcow2Header = {
    version,
    backingFileOffset: offsetField(dv, 8, 'backing file offset'),
    backingFileSize: dv.getUint32(16),
    clusterBits,
    clusterSize,
    virtualSize: offsetField(dv, 24, 'virtual size'),
    cryptMethod: dv.getUint32(32),
    l1Size: dv.getUint32(36),
    l1TableOffset: offsetField(dv, 40, 'L1 table offset'),
    refcountTableOffset: offsetField(dv, 48, 'refcount table offset'),
    refcountTableClusters: dv.getUint32(56),
    snapshotCount: dv.getUint32(60),
    snapshotsOffset: offsetField(dv, 64, 'snapshot table offset'),
    incompatibleFeatures,
    compatibleFeatures: v3 ? dv.getBigUint64(80) : 0n,
    autoclearFeatures: v3 ? dv.getBigUint64(88) : 0n,
    refcountOrder,
    headerLength,
    compressionType: compressionByte === 1 ? 'zstd' : 'zlib',
    extendedL2,
  };
  checkLayout(header, fileSize);
  return header;
}

function aligned(header: Qcow2Header, offset: number): boolean {
  return offset % header.clusterSize === 0;
}

/** Where the tables lie: cluster-aligned, of sizes qemu accepts, inside the file. */
function checkLayout(h: Qcow2Header, fileSize: number): void {
  if (h.cryptMethod !== 0)
    throw new PlatterError(
      'QCOW2_ENCRYPTED',
      `it is encrypted (${h.cryptMethod === 1 ? 'AES' : h.cryptMethod === 2 ? 'LUKS' : `method ${h.cryptMethod}`}), which Platter does not read`,
      'decrypt it with `qemu-img convert --object secret,... --image-opts ... -O qcow2`, then open the copy',
    );
  if (h.l1Size * 8 > MAX_L1_BYTES) throw badHeader(`gives an L1 table of ${h.l1Size} entries (more than qemu allows)`);
  const entriesPerL2 = h.clusterSize / (h.extendedL2 ? 16 : 8);
  const needed = Math.ceil(h.virtualSize / (h.clusterSize * entriesPerL2));
  if (h.l1Size < needed)
    throw badHeader(`gives an L1 table of ${h.l1Size} entries, too few for a ${h.virtualSize}-byte disk (${needed})`);
  if (h.l1Size > 0 && (!aligned(h, h.l1TableOffset) || h.l1TableOffset + h.l1Size * 8 > fileSize))
    throw badHeader(`places its L1 table at ${h.l1TableOffset}, misaligned or past the end of the file`);
  if (h.refcountTableClusters * h.clusterSize > MAX_REFCOUNT_TABLE_BYTES)
    throw badHeader(`gives a refcount table of ${h.refcountTableClusters} clusters (more than qemu allows)`);
  const refcountEnd = h.refcountTableOffset + h.refcountTableClusters * h.clusterSize;
  if (!aligned(h, h.refcountTableOffset) || (h.refcountTableClusters > 0 && refcountEnd > fileSize))
    throw badHeader(`places its refcount table at ${h.refcountTableOffset}, misaligned or past the end of the file`);
  if (h.snapshotCount > MAX_SNAPSHOTS) throw badHeader(`lists ${h.snapshotCount} snapshots (at most 65536)`);
  if (h.snapshotCount > 0 && (!aligned(h, h.snapshotsOffset) || h.snapshotsOffset >= fileSize))
    throw badHeader(`places its snapshot table at ${h.snapshotsOffset}, misaligned or past the end of the file`);
  if (h.backingFileOffset !== 0) {
    const end = h.backingFileOffset + h.backingFileSize;
    if (h.backingFileSize > MAX_BACKING_NAME || end > h.clusterSize || end > fileSize)
      throw badHeader(
        `gives a backing file name of ${h.backingFileSize} bytes at ${h.backingFileOffset}, outside the first cluster`,
      );
  }
}

/** The header Platter writes: version 3, no backing file, zlib, 16-bit refcounts, no snapshots. */
export function serializeQcow2Header(h: Qcow2Header): Uint8Array {
  const bytes = new Uint8Array(h.headerLength);
  const dv = view(bytes);
  bytes.set([0x51, 0x46, 0x49, 0xfb]);
  dv.setUint32(4, h.version);
  dv.setBigUint64(8, BigInt(h.backingFileOffset));
  dv.setUint32(16, h.backingFileSize);
  dv.setUint32(20, h.clusterBits);
  dv.setBigUint64(24, BigInt(h.virtualSize));
  dv.setUint32(32, h.cryptMethod);
  dv.setUint32(36, h.l1Size);
  dv.setBigUint64(40, BigInt(h.l1TableOffset));
  dv.setBigUint64(48, BigInt(h.refcountTableOffset));
  dv.setUint32(56, h.refcountTableClusters);
  dv.setUint32(60, h.snapshotCount);
  dv.setBigUint64(64, BigInt(h.snapshotsOffset));
  dv.setBigUint64(72, h.incompatibleFeatures);
  dv.setBigUint64(80, h.compatibleFeatures);
  dv.setBigUint64(88, h.autoclearFeatures);
  dv.setUint32(96, h.refcountOrder);
  dv.setUint32(100, h.headerLength);
  if (h.headerLength > 104) dv.setUint8(104, h.compressionType === 'zstd' ? 1 : 0);
  return bytes;
}
