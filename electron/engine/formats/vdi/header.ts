// The VDI pre-header (a text banner, the signature 0xbeda107f at 0x40, the version) and the header after it, as
// VirtualBox's VDICore.h lays them out: version 1.1 (with or without the LCHS geometry of "1.1+") and the old
// version 0.2. All fields little-endian; every one checked the way VirtualBox's vdiValidateHeader checks it, plus
// the bounds Platter needs before it allocates or reads anything.
import { PlatterError } from '../../errors';
import { NIL_GUID, readGuid } from '../vhdx/guid';
import { isPowerOfTwo } from '../fields';

export const VDI_SIGNATURE = 0xbeda107f;
export const PRE_HEADER_SIZE = 72;
/** The size of a version 1.1 header without, and with, the LCHS geometry (VDIHEADER1, VDIHEADER1PLUS). */
export const HEADER_V1_SIZE = 0x180;
export const HEADER_V1_PLUS_SIZE = 0x190;
/** A version 0 header (VDIHEADER0): no header size, no offsets, the block map right after it. */
export const HEADER_V0_SIZE = 348;
/** What is read to parse any header (the pre-header and the largest header known). */
export const HEADER_READ_SIZE = PRE_HEADER_SIZE + HEADER_V1_PLUS_SIZE;
export const VERSION_1_1 = 0x00010001;
/** The only version 0 VirtualBox opens (VDI_IMAGE_VERSION 0.2). */
export const VERSION_0_2 = 0x00000002;
export const SECTOR_SIZE = 512;
/** Block sizes Platter reads: VirtualBox takes any power of two; a sector is the least that makes sense. */
export const MIN_BLOCK_SIZE = SECTOR_SIZE;
export const MAX_BLOCK_SIZE = 256 * 1024 * 1024;
const COMMENT_SIZE = 256;

export const IMAGE_TYPE = { normal: 1, fixed: 2, undo: 3, diff: 4 } as const;
export type ImageTypeName = keyof typeof IMAGE_TYPE;
const TYPE_NAMES: Record<number, ImageTypeName> = { 1: 'normal', 2: 'fixed', 3: 'undo', 4: 'diff' };

export interface VdiGeometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectors: number;
  readonly sectorSize: number;
}

export interface VdiHeader {
  readonly banner: string;
  /** As stored: major in the high 16 bits. */
  readonly version: number;
  /** Null for a version 0 header, which records none. */
  readonly headerSize: number | null;
  readonly type: ImageTypeName;
  readonly flags: number;
  readonly comment: string;
  readonly blocksOffset: number;
  readonly dataOffset: number;
  readonly legacyGeometry: VdiGeometry;
  /** The disk size as recorded (VirtualBox rounds an odd one down to a whole sector when it opens it). */
  readonly diskSize: number;
  readonly blockSize: number;
  readonly blockExtra: number;
  /** Entries in the block map. */
  readonly blocks: number;
  readonly blocksAllocated: number;
  readonly uuid: string;
  readonly modificationUuid: string;
  /** A differencing disk's parent: its image UUID, and its modification UUID when the child was made. */
  readonly parentUuid: string;
  readonly parentModificationUuid: string;
  /** Only in a 1.1 header of 0x190 bytes or more. */
  readonly lchsGeometry: VdiGeometry | null;
}

const DAMAGED = 'the image is damaged; restore it from a backup or copy it again from its source';

function bad(message: string, offset: number): PlatterError {
  return new PlatterError('VDI_BAD_HEADER', message, DAMAGED, { offset });
}

/** Whether the first bytes carry the VDI signature (at 0x40, after the banner). */
export function hasVdiSignature(head: Uint8Array): boolean {
  return (
    head.length >= 0x44 &&
    new DataView(head.buffer, head.byteOffset, head.length).getUint32(0x40, true) === VDI_SIGNATURE
  );
}

function geometryAt(dv: DataView, at: number): VdiGeometry {
  return {
    cylinders: dv.getUint32(at, true),
    heads: dv.getUint32(at + 4, true),
    sectors: dv.getUint32(at + 8, true),
    sectorSize: dv.getUint32(at + 12, true),
  };
}

function textAt(bytes: Uint8Array, at: number, length: number): string {
  const field = bytes.subarray(at, at + length);
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end === -1 ? length : end)).toString('utf8');
}

/** Field offsets of a 1.1 header, from the start of the file. */
const V1 = {
  headerSize: 0x48,
  type: 0x4c,
  flags: 0x50,
  comment: 0x54,
  blocksOffset: 0x154,
  dataOffset: 0x158,
  legacyGeometry: 0x15c,
  dummy: 0x16c,
  diskSize: 0x170,
  blockSize: 0x178,
  blockExtra: 0x17c,
  blocks: 0x180,
  blocksAllocated: 0x184,
  uuid: 0x188,
  modificationUuid: 0x198,
  parentUuid: 0x1a8,
  parentModificationUuid: 0x1b8,
  lchsGeometry: 0x1c8,
} as const;

/** The same fields in a 0.2 header: no size or offsets, no extra block data, no parent modification UUID. */
const V0 = {
  type: 0x48,
  flags: 0x4c,
  comment: 0x50,
  legacyGeometry: 0x150,
  diskSize: 0x160,
  blockSize: 0x168,
  blocks: 0x16c,
  blocksAllocated: 0x170,
  uuid: 0x174,
  modificationUuid: 0x184,
  parentUuid: 0x194,
} as const;

function diskSizeAt(dv: DataView, at: number): number {
  const size = dv.getBigUint64(at, true);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`the disk size ${size} is larger than any disk`, at);
  return Number(size);
}

/** Reads the pre-header and header from the file's first bytes (HEADER_READ_SIZE, or all of a shorter file). */
export function parseVdiHeader(bytes: Uint8Array): VdiHeader {
  if (bytes.length < PRE_HEADER_SIZE || !hasVdiSignature(bytes))
    throw bad('the file does not start with a VDI pre-header (signature 0xbeda107f at 0x40)', 0x40);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = dv.getUint32(0x44, true);
  const banner = textAt(bytes, 0, 64);
  let header: VdiHeader;
  if (version >>> 16 === 1) header = parseV1(bytes, dv, banner, version);
  else if (version === VERSION_0_2) header = parseV0(bytes, dv, banner);
  else
    throw new PlatterError(
      'UNSUPPORTED',
      `the VDI header version ${version >>> 16}.${version & 0xffff} is not one VirtualBox writes (1.1, or 0.2 of its first releases)`,
      'open the image in VirtualBox and clone it (VBoxManage clonemedium) to get a current VDI, then use that',
      { offset: 0x44 },
    );
  validate(header);
  return header;
}

function parseV1(bytes: Uint8Array, dv: DataView, banner: string, version: number): VdiHeader {
  if (bytes.length < PRE_HEADER_SIZE + HEADER_V1_SIZE)
    throw bad(`the file is ${bytes.length} bytes, too short for a VDI 1.1 header`, V1.headerSize);
  const headerSize = dv.getUint32(V1.headerSize, true);
  if (headerSize < HEADER_V1_SIZE)
    throw bad(
      `the header size ${headerSize} is less than the ${HEADER_V1_SIZE} bytes of a VDI 1.1 header`,
      V1.headerSize,
    );
  const plus = (version & 0xffff) === 1 && headerSize >= HEADER_V1_PLUS_SIZE;
  if (plus && bytes.length < PRE_HEADER_SIZE + HEADER_V1_PLUS_SIZE)
    throw bad(`the file is ${bytes.length} bytes, too short for its ${headerSize}-byte header`, V1.lchsGeometry);
  return {
    banner,
    version,
    headerSize,
    type: typeAt(dv, V1.type),
    flags: dv.getUint32(V1.flags, true),
    comment: textAt(bytes, V1.comment, COMMENT_SIZE),
    blocksOffset: dv.getUint32(V1.blocksOffset, true),
    dataOffset: dv.getUint32(V1.dataOffset, true),
    legacyGeometry: geometryAt(dv, V1.legacyGeometry),
    diskSize: diskSizeAt(dv, V1.diskSize),
    blockSize: dv.getUint32(V1.blockSize, true),
    blockExtra: dv.getUint32(V1.blockExtra, true),
    blocks: dv.getUint32(V1.blocks, true),
    blocksAllocated: dv.getUint32(V1.blocksAllocated, true),
    uuid: readGuid(bytes, V1.uuid),
    modificationUuid: readGuid(bytes, V1.modificationUuid),
    parentUuid: readGuid(bytes, V1.parentUuid),
    parentModificationUuid: readGuid(bytes, V1.parentModificationUuid),
    lchsGeometry: plus ? geometryAt(dv, V1.lchsGeometry) : null,
  };
}

function parseV0(bytes: Uint8Array, dv: DataView, banner: string): VdiHeader {
  if (bytes.length < PRE_HEADER_SIZE + HEADER_V0_SIZE)
    throw bad(`the file is ${bytes.length} bytes, too short for a VDI 0.2 header`, V0.type);
  const blocks = dv.getUint32(V0.blocks, true);
  const blocksOffset = PRE_HEADER_SIZE + HEADER_V0_SIZE;
  return {
    banner,
    version: VERSION_0_2,
    headerSize: null,
    type: typeAt(dv, V0.type),
    flags: dv.getUint32(V0.flags, true),
    comment: textAt(bytes, V0.comment, COMMENT_SIZE),
    blocksOffset,
    // Right after the block map, unaligned (VDICore.h's getImageDataOffset for version 0).
    dataOffset: blocksOffset + blocks * 4,
    legacyGeometry: geometryAt(dv, V0.legacyGeometry),
    diskSize: diskSizeAt(dv, V0.diskSize),
    blockSize: dv.getUint32(V0.blockSize, true),
    blockExtra: 0,
    blocks,
    blocksAllocated: dv.getUint32(V0.blocksAllocated, true),
    uuid: readGuid(bytes, V0.uuid),
    modificationUuid: readGuid(bytes, V0.modificationUuid),
    parentUuid: readGuid(bytes, V0.parentUuid),
    parentModificationUuid: NIL_GUID,
    lchsGeometry: null,
  };
}

function typeAt(dv: DataView, at: number): ImageTypeName {
  const type = dv.getUint32(at, true);
  const name = TYPE_NAMES[type];
  if (!name) throw bad(`the image type ${type} is not one of normal (1), fixed (2), undo (3) or differencing (4)`, at);
  return name;
}

/** VirtualBox's own checks (vdiValidateHeader), then the bounds reading relies on. */
function validate(h: VdiHeader): void {
  const v1 = h.headerSize !== null;
  if (v1 && h.blocksOffset < PRE_HEADER_SIZE + HEADER_V1_SIZE)
    throw bad(`the block map offset ${h.blocksOffset} lies inside the header`, V1.blocksOffset);
  // The data offset comes after the whole block map (4 bytes an entry).
  if (h.dataOffset < h.blocksOffset + h.blocks * 4)
    throw bad(
      `the data offset ${h.dataOffset} lies inside the block map (${h.blocks} entries from ${h.blocksOffset})`,
      V1.dataOffset,
    );
  // VirtualBox keeps one flag, "zero expand" (0x1), and shifts the field left by 8 into its own image flags.
  if ((h.flags & ~0x301) !== 0)
    throw bad(`the image flags 0x${h.flags.toString(16)} are not ones VirtualBox knows`, V1.flags);
  const sectorSize = (h.lchsGeometry ?? h.legacyGeometry).sectorSize;
  if (h.lchsGeometry && h.lchsGeometry.sectorSize !== SECTOR_SIZE)
    throw bad(`the sector size ${sectorSize} is not ${SECTOR_SIZE} (the only one VDI has)`, V1.lchsGeometry + 12);
  if (h.diskSize === 0 || h.blocks === 0) throw bad('the header records a disk of no size or no blocks', V1.diskSize);
  if (!isPowerOfTwo(h.blockSize) || h.blockSize < MIN_BLOCK_SIZE || h.blockSize > MAX_BLOCK_SIZE)
    throw bad(`the block size ${h.blockSize} is not a power of two from 512 bytes to 256 MiB`, V1.blockSize);
  if (h.blockExtra !== 0 && (!isPowerOfTwo(h.blockExtra) || h.blockExtra > MAX_BLOCK_SIZE))
    throw bad(`the extra data size of a block, ${h.blockExtra}, is not a power of two up to 256 MiB`, V1.blockExtra);
  if (h.blocksAllocated > h.blocks)
    throw bad(`${h.blocksAllocated} blocks are said to be allocated, of only ${h.blocks}`, V1.blocksAllocated);
  if (Math.ceil(h.diskSize / h.blockSize) > h.blocks)
    throw bad(
      `the disk size ${h.diskSize} needs more than the ${h.blocks} blocks of ${h.blockSize} bytes the map holds`,
      V1.blocks,
    );
  if (h.uuid === NIL_GUID) throw bad('the image UUID is all zeros', V1.uuid);
  if (h.modificationUuid === NIL_GUID) throw bad('the modification UUID is all zeros', V1.modificationUuid);
  if ((h.type === 'diff' || h.type === 'undo') && h.parentUuid === NIL_GUID)
    throw bad(
      `a ${h.type === 'diff' ? 'differencing' : 'undo'} image names no parent (its parent UUID is all zeros)`,
      V1.parentUuid,
    );
}

export const HEADER_FIELD_OFFSETS = V1;
