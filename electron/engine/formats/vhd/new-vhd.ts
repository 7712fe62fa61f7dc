import { randomUUID } from 'node:crypto';
import { batBytes } from './bat';
import { DYNAMIC_HEADER_SIZE, HEADER_VERSION } from './dynamic-header';
import type { DynamicHeader } from './dynamic-header';
import { NIL_UUID, SECTOR, VHD_MAX_SIZE, alignUp, dateToVhdTime } from '../fields';
import { CREATOR_HOST_WINDOWS, FEATURES_RESERVED, FOOTER_SIZE, FORMAT_VERSION } from './footer';
import type { DiskType, Footer } from './footer';
import { geometryForSectors } from './geometry';
import { PlatterError } from '../../errors';

/**
 * The footer fields Platter writes, chosen so every reader agrees on the size (docs/created-images.md):
 * creator "win " makes qemu-img use current size as Hyper-V, Windows, Azure, VirtualBox and libvhdi do; the
 * geometry is the specification's, which Virtual PC alone reads.
 */
export const CREATOR = { app: 'win ', version: 0x000a0000, hostOs: CREATOR_HOST_WINDOWS } as const;

export const HEADER_OFFSET = FOOTER_SIZE;
export const TABLE_OFFSET = HEADER_OFFSET + DYNAMIC_HEADER_SIZE;

export function checkVirtualSize(size: number): void {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${size} is not a positive number of bytes`,
      'give a size such as 64M or 20G',
    );
  }
  if (size % SECTOR !== 0) {
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${size} is not a multiple of 512 bytes`,
      `use ${alignUp(size, SECTOR)} (the next whole sector)`,
    );
  }
  if (size > VHD_MAX_SIZE) {
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${size} is larger than the VHD limit of 2040 GiB (${VHD_MAX_SIZE} bytes)`,
      'choose 2040G or less (the most a VHD can address)',
    );
  }
}

export function newFooter(size: number, diskType: DiskType, now = new Date(), uuid: string = randomUUID()): Footer {
  return {
    features: FEATURES_RESERVED,
    formatVersion: FORMAT_VERSION,
    dataOffset: diskType === 'fixed' ? null : HEADER_OFFSET,
    timestamp: dateToVhdTime(now),
    creatorApp: CREATOR.app,
    creatorVersion: CREATOR.version,
    creatorHostOs: CREATOR.hostOs,
    originalSize: size,
    currentSize: size,
    geometry: geometryForSectors(size / SECTOR),
    diskType,
    checksum: 0,
    uuid,
    savedState: false,
  };
}

export function newDynamicHeader(
  size: number,
  blockSize: number,
  parent?: Pick<DynamicHeader, 'parentUuid' | 'parentTimestamp' | 'parentName' | 'locators'>,
): DynamicHeader {
  return {
    tableOffset: TABLE_OFFSET,
    headerVersion: HEADER_VERSION,
    maxTableEntries: Math.ceil(size / blockSize),
    blockSize,
    checksum: 0,
    parentUuid: parent?.parentUuid ?? NIL_UUID,
    parentTimestamp: parent?.parentTimestamp ?? 0,
    parentName: parent?.parentName ?? '',
    locators: parent?.locators ?? [],
  };
}

/** First byte after the BAT: where locator data or the first block goes. */
export function endOfTable(header: DynamicHeader): number {
  return header.tableOffset + batBytes(header.maxTableEntries);
}
