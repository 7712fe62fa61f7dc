// A new VDI's pre-header and header, as VirtualBox 7's vdiInitHeader fills them: version 1.1, a 0x190-byte header
// (with the LCHS geometry), both geometries "not calculated".
import { writeGuid } from '../vhdx/guid';
import {
  HEADER_FIELD_OFFSETS as AT,
  HEADER_V1_PLUS_SIZE,
  IMAGE_TYPE,
  SECTOR_SIZE,
  VDI_SIGNATURE,
  VERSION_1_1,
} from './header';

/** Banner VirtualBox writes; readers ignore it ("for eyes only"). */
export const VIRTUALBOX_BANNER = '<<< Oracle VM VirtualBox Disk Image >>>\n';

/** The fields a new 1.1+ header is written from (VirtualBox 7's vdiInitHeader). */
export interface NewVdiHeader {
  readonly type: 'normal' | 'fixed';
  readonly diskSize: number;
  readonly blockSize: number;
  readonly blocks: number;
  readonly blocksAllocated: number;
  readonly blocksOffset: number;
  readonly dataOffset: number;
  readonly uuid: string;
  readonly modificationUuid: string;
}

/** The pre-header and a 0x190-byte header, as VirtualBox 7 writes them, padded to one sector. */
export function serializeVdiHeader(h: NewVdiHeader): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < VIRTUALBOX_BANNER.length; i++) bytes[i] = VIRTUALBOX_BANNER.charCodeAt(i);
  dv.setUint32(0x40, VDI_SIGNATURE, true);
  dv.setUint32(0x44, VERSION_1_1, true);
  dv.setUint32(AT.headerSize, HEADER_V1_PLUS_SIZE, true);
  dv.setUint32(AT.type, IMAGE_TYPE[h.type], true);
  dv.setUint32(AT.blocksOffset, h.blocksOffset, true);
  dv.setUint32(AT.dataOffset, h.dataOffset, true);
  // Both geometries "not calculated" (zeros) with 512-byte sectors: VirtualBox fills the LCHS one in when a
  // controller first asks for it, and ignores the legacy one in a 1.1+ header.
  dv.setUint32(AT.legacyGeometry + 12, SECTOR_SIZE, true);
  dv.setUint32(AT.lchsGeometry + 12, SECTOR_SIZE, true);
  dv.setBigUint64(AT.diskSize, BigInt(h.diskSize), true);
  dv.setUint32(AT.blockSize, h.blockSize, true);
  dv.setUint32(AT.blocks, h.blocks, true);
  dv.setUint32(AT.blocksAllocated, h.blocksAllocated, true);
  writeGuid(bytes, AT.uuid, h.uuid);
  writeGuid(bytes, AT.modificationUuid, h.modificationUuid);
  return bytes;
}
