// The headers of VMDK sparse extents, little-endian: the hosted sparse extent header ('KDMV', 512 bytes:
// monolithicSparse, twoGbMaxExtentSparse, streamOptimized) and the older ESXi vmfsSparse header ('COWD', the
// redo logs of snapshots). Both read as one shape: capacity, grain size, where the grain directory is.
import { PlatterError } from '../../errors';
import { ascii, isPowerOfTwo } from '../fields';

export const SECTOR = 512;
export const KDMV = 'KDMV';
export const COWD = 'COWD';
/** The header's gdOffset of a stream-optimized extent written in one pass: the footer copy holds the real one. */
export const GD_AT_END = 0xffffffffffffffffn;

export const FLAG_VALID_NEWLINE = 1 << 0;
export const FLAG_REDUNDANT_GT = 1 << 1;
/** A grain table entry of 1 means a grain of zeros. */
export const FLAG_ZEROED_GRAIN_GTE = 1 << 2;
export const FLAG_COMPRESSED = 1 << 16;
export const FLAG_MARKERS = 1 << 17;
export const COMPRESS_DEFLATE = 1;

/** The largest grain read (VMware writes 64 KiB; qemu refuses past 1 GiB, 2^21 sectors). */
export const MAX_GRAIN_SECTORS = 1 << 21;
/** The largest grain table read: VMware always writes 512 entries (COWD 4096), and qemu refuses more. */
export const MAX_GTES_PER_GT = 512;

export interface SparseHeader {
  readonly kind: 'KDMV' | 'COWD';
  readonly version: number;
  readonly flags: number;
  /** Sectors the extent covers. */
  readonly capacity: number;
  readonly grainSectors: number;
  readonly descriptorOffset: number;
  readonly descriptorSectors: number;
  readonly gtesPerGt: number;
  /** Sector of the redundant grain directory; 0 when there is none. */
  readonly rgdOffset: number;
  /** Sector of the grain directory; null when GD_AT_END (stream-optimized: the footer has it). */
  readonly gdOffset: number | null;
  /** COWD records its grain directory's entry count; KDMV's follows from capacity. */
  readonly gdEntries: number;
  readonly overheadSectors: number;
  readonly uncleanShutdown: boolean;
  readonly compressAlgorithm: number;
}

function badHeader(path: string, message: string): PlatterError {
  return new PlatterError(
    'VMDK_BAD_HEADER',
    `the VMDK sparse extent ${path} ${message}`,
    'the file is damaged or not a VMDK extent; copy it again from where it came from',
    { path },
  );
}

function sectorField(dv: DataView, at: number, path: string, name: string): number {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) / 512n) throw badHeader(path, `has a ${name} of ${value} sectors`);
  return Number(value);
}

function gdEntriesFor(capacity: number, grainSectors: number, gtesPerGt: number): number {
  return Math.ceil(Math.ceil(capacity / grainSectors) / gtesPerGt);
}

/** Parses the first 512 bytes of a 'KDMV' extent (or its footer copy). */
export function parseKdmvHeader(bytes: Uint8Array, path: string): SparseHeader {
  if (bytes.length < SECTOR || ascii(bytes, 0, 4) !== KDMV) throw badHeader(path, 'has no KDMV signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SECTOR);
  const version = dv.getUint32(4, true);
  if (version < 1 || version > 3) throw badHeader(path, `is version ${version}, not 1, 2 or 3`);
  const capacity = sectorField(dv, 12, path, 'capacity');
  const grainSectors = sectorField(dv, 20, path, 'grain size');
  if (!isPowerOfTwo(grainSectors) || grainSectors > MAX_GRAIN_SECTORS)
    throw badHeader(path, `has a grain of ${grainSectors} sectors (a power of two up to ${MAX_GRAIN_SECTORS})`);
  const gtesPerGt = dv.getUint32(44, true);
  if (gtesPerGt < 1 || gtesPerGt > MAX_GTES_PER_GT)
    throw badHeader(path, `has ${gtesPerGt} entries per grain table (VMware writes 512)`);
  const rawGd = dv.getBigUint64(56, true);
  const gdOffset = rawGd === GD_AT_END ? null : sectorField(dv, 56, path, 'grain directory offset');
  const flags = dv.getUint32(8, true);
  // The newline check catches a file moved through a text-mode transfer (CR LF for LF).
  if (flags & FLAG_VALID_NEWLINE && (bytes[73] !== 0x0a || bytes[75] !== 0x0d || bytes[76] !== 0x0a))
    throw badHeader(path, 'has damaged line-ending check bytes (it went through a text-mode transfer)');
  return {
    kind: 'KDMV',
    version,
    flags,
    capacity,
    grainSectors,
    descriptorOffset: sectorField(dv, 28, path, 'descriptor offset'),
    descriptorSectors: sectorField(dv, 36, path, 'descriptor size'),
    gtesPerGt,
    rgdOffset: sectorField(dv, 48, path, 'redundant grain directory offset'),
    gdOffset,
    gdEntries: gdEntriesFor(capacity, grainSectors, gtesPerGt),
    overheadSectors: sectorField(dv, 64, path, 'overhead'),
    uncleanShutdown: bytes[72] !== 0,
    compressAlgorithm: dv.getUint16(77, true),
  };
}

/** COWD keeps 4096 entries per grain table. */
const COWD_GTES_PER_GT = 4096;

/** Parses a 'COWD' (vmfsSparse) header: 32-bit sector fields. */
export function parseCowdHeader(bytes: Uint8Array, path: string): SparseHeader {
  if (bytes.length < SECTOR || ascii(bytes, 0, 4) !== COWD) throw badHeader(path, 'has no COWD signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SECTOR);
  const capacity = dv.getUint32(12, true);
  const grainSectors = dv.getUint32(16, true);
  if (!isPowerOfTwo(grainSectors) || grainSectors > MAX_GRAIN_SECTORS)
    throw badHeader(path, `has a grain of ${grainSectors} sectors`);
  const gdEntries = dv.getUint32(24, true);
  const needed = gdEntriesFor(capacity, grainSectors, COWD_GTES_PER_GT);
  if (gdEntries < needed)
    throw badHeader(path, `has ${gdEntries} grain directory entries where its capacity needs ${needed}`);
  return {
    kind: 'COWD',
    version: dv.getUint32(4, true),
    flags: dv.getUint32(8, true),
    capacity,
    grainSectors,
    descriptorOffset: 0,
    descriptorSectors: 0,
    gtesPerGt: COWD_GTES_PER_GT,
    rgdOffset: 0,
    gdOffset: dv.getUint32(20, true),
    gdEntries: needed,
    overheadSectors: 0,
    uncleanShutdown: false,
    compressAlgorithm: 0,
  };
}

export interface NewSparseHeader {
  readonly flags: number;
  readonly version: number;
  readonly capacity: number;
  readonly grainSectors: number;
  readonly descriptorOffset: number;
  readonly descriptorSectors: number;
  readonly rgdOffset: number;
  /** null writes GD_AT_END. */
  readonly gdOffset: number | null;
  readonly overheadSectors: number;
  readonly compressAlgorithm: number;
}

/** A 512-byte 'KDMV' header (512 entries per grain table, the line-ending check bytes set). */
export function serializeKdmvHeader(h: NewSparseHeader): Uint8Array {
  const bytes = new Uint8Array(SECTOR);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x4b, 0x44, 0x4d, 0x56]);
  dv.setUint32(4, h.version, true);
  dv.setUint32(8, h.flags, true);
  dv.setBigUint64(12, BigInt(h.capacity), true);
  dv.setBigUint64(20, BigInt(h.grainSectors), true);
  dv.setBigUint64(28, BigInt(h.descriptorOffset), true);
  dv.setBigUint64(36, BigInt(h.descriptorSectors), true);
  dv.setUint32(44, 512, true);
  dv.setBigUint64(48, BigInt(h.rgdOffset), true);
  dv.setBigUint64(56, h.gdOffset === null ? GD_AT_END : BigInt(h.gdOffset), true);
  dv.setBigUint64(64, BigInt(h.overheadSectors), true);
  bytes.set([0x0a, 0x20, 0x0d, 0x0a], 73);
  dv.setUint16(77, h.compressAlgorithm, true);
  return bytes;
}
