import { PlatterError } from '../../errors';
import { DAMAGED, MIB, VHDX_MAX_SIZE, isPowerOfTwo, leView, u64le } from './fields';
import { GUID_SIZE, readGuid, writeGuid } from './guid';
import type { MetadataEntry } from './metadata-table';
import { parseParentLocator } from './parent-locator';
import type { VhdxParentLocator } from './parent-locator';

export const METADATA_GUID = {
  fileParameters: 'caa16737-fa36-4d43-b3b6-33f0aa44e76b',
  virtualDiskSize: '2fa54224-cd1b-4876-b211-5dbed83bf4b8',
  /** The Virtual Disk ID, which the guest sees as its SCSI page 83 identifier. */
  page83Data: 'beca12ab-b2e6-4523-93ef-c309e000c746',
  logicalSectorSize: '8141bf1d-a96f-4709-ba47-f233a8faab5f',
  physicalSectorSize: 'cda348c7-445d-4471-9cc9-e9885251c556',
  parentLocator: 'a8d35f2d-b30b-454d-abf7-d3d84834ab0c',
} as const;

export const MIN_BLOCK_SIZE = MIB;
export const MAX_BLOCK_SIZE = 256 * MIB;

export interface FileParameters {
  readonly blockSize: number;
  readonly leaveBlocksAllocated: boolean;
  readonly hasParent: boolean;
}

export interface VhdxMetadata extends FileParameters {
  readonly virtualSize: number;
  readonly logicalSectorSize: 512 | 4096;
  /** Null when the item is missing (only informative for reading). */
  readonly physicalSectorSize: 512 | 4096 | null;
  readonly page83Data: string | null;
  readonly parentLocator: VhdxParentLocator | null;
}

function bad(message: string): PlatterError {
  return new PlatterError('VHDX_BAD_METADATA', message, DAMAGED);
}

function need(bytes: Uint8Array, length: number, name: string): DataView {
  if (bytes.length < length) throw bad(`the VHDX ${name} item is ${bytes.length} bytes; it needs ${length}`);
  return leView(bytes);
}

export function parseFileParameters(bytes: Uint8Array): FileParameters {
  const dv = need(bytes, 8, 'file parameters');
  const blockSize = dv.getUint32(0, true);
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw bad(`the VHDX block size ${blockSize} is not a power of two from 1 MiB to 256 MiB`);
  }
  const flags = dv.getUint32(4, true);
  return { blockSize, leaveBlocksAllocated: (flags & 1) !== 0, hasParent: (flags & 2) !== 0 };
}

export function parseVirtualDiskSize(bytes: Uint8Array): number {
  const size = u64le(need(bytes, 8, 'virtual disk size'), 0);
  if (size === null || size > VHDX_MAX_SIZE) throw bad(`the VHDX virtual disk size is beyond the 64 TiB limit`);
  return size;
}

export function parseSectorSize(bytes: Uint8Array, name: string): 512 | 4096 {
  const size = need(bytes, 4, name).getUint32(0, true);
  if (size !== 512 && size !== 4096) throw bad(`the VHDX ${name} is ${size}; it must be 512 or 4096`);
  return size;
}

export function parsePage83Data(bytes: Uint8Array): string {
  need(bytes, GUID_SIZE, 'page 83 data');
  return readGuid(bytes, 0);
}

/** The entries a reader loads: known system items. Throws when an item it does not know is marked required. */
export function knownItems(entries: readonly MetadataEntry[]): MetadataEntry[] {
  const known = new Set<string>(Object.values(METADATA_GUID));
  for (const entry of entries) {
    if (entry.isRequired && (entry.isUser || !known.has(entry.itemId))) {
      throw new PlatterError(
        'UNSUPPORTED',
        `the VHDX image needs a metadata item ${entry.itemId} that Platter does not understand`,
        'open it with Hyper-V or Windows, which may know this newer item',
      );
    }
  }
  return entries.filter((e) => !e.isUser && known.has(e.itemId));
}

/** Builds the disk's metadata from the loaded items (keyed by item GUID), checking how they fit together. */
export function parseMetadata(items: ReadonlyMap<string, Uint8Array>): VhdxMetadata {
  const item = (guid: string, name: string): Uint8Array => {
    const bytes = items.get(guid);
    if (!bytes) throw bad(`the VHDX metadata has no ${name} item`);
    return bytes;
  };
  const params = parseFileParameters(item(METADATA_GUID.fileParameters, 'file parameters'));
  const virtualSize = parseVirtualDiskSize(item(METADATA_GUID.virtualDiskSize, 'virtual disk size'));
  const logicalSectorSize = parseSectorSize(
    item(METADATA_GUID.logicalSectorSize, 'logical sector size'),
    'logical sector size',
  );
  if (virtualSize % logicalSectorSize !== 0) {
    throw bad(`the VHDX virtual disk size ${virtualSize} is not a whole number of ${logicalSectorSize}-byte sectors`);
  }
  const physical = items.get(METADATA_GUID.physicalSectorSize);
  const page83 = items.get(METADATA_GUID.page83Data);
  const locator = items.get(METADATA_GUID.parentLocator);
  if (params.hasParent && !locator) throw bad('the VHDX differencing disk has no parent locator item');
  return {
    ...params,
    virtualSize,
    logicalSectorSize,
    physicalSectorSize: physical ? parseSectorSize(physical, 'physical sector size') : null,
    page83Data: page83 ? parsePage83Data(page83) : null,
    parentLocator: params.hasParent && locator ? parseParentLocator(locator) : null,
  };
}

export function serializeFileParameters(value: FileParameters): Uint8Array {
  const bytes = new Uint8Array(8);
  const dv = leView(bytes);
  dv.setUint32(0, value.blockSize, true);
  dv.setUint32(4, (value.leaveBlocksAllocated ? 1 : 0) | (value.hasParent ? 2 : 0), true);
  return bytes;
}

export function serializeVirtualDiskSize(size: number): Uint8Array {
  const bytes = new Uint8Array(8);
  leView(bytes).setBigUint64(0, BigInt(size), true);
  return bytes;
}

export function serializeSectorSize(size: number): Uint8Array {
  const bytes = new Uint8Array(4);
  leView(bytes).setUint32(0, size, true);
  return bytes;
}

export function serializePage83Data(guid: string): Uint8Array {
  const bytes = new Uint8Array(GUID_SIZE);
  writeGuid(bytes, 0, guid);
  return bytes;
}
