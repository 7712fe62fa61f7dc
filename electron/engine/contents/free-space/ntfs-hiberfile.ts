// Whether Windows hibernated (or shut down with fast startup) on this NTFS volume: the root directory's
// hiberfil.sys holding a hibernation image, which starts with "hibr" or "wake" (either case). Every entry of the
// root index is looked at, including blocks no longer in use: a stale entry only makes the reader more careful.
import { FS, attributes, fixedUp, readStream, unnamed } from './ntfs-records';
import type { NtfsGeometry } from './ntfs-records';
import { damaged, dataView } from './volume';
import type { Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const DATA = 0x80;
const INDEX_ROOT = 0x90;
const INDEX_ALLOCATION = 0xa0;
const ROOT_RECORD = 5;
/** Index blocks of the root directory looked at, at most (a root of over 100 000 names). */
const MAX_INDEX_BLOCKS = 4096;

export type ReadRecord = (n: number) => Promise<Uint8Array>;

/** The MFT references named hiberfil.sys among the index entries in `node` from `from` to `to`. */
function hiberfileRefs(node: Uint8Array, from: number, to: number, found: bigint[]): void {
  const v = dataView(node);
  for (let at = from; at + 16 <= Math.min(to, node.length);) {
    const length = v.getUint16(at + 8, true);
    const keyLength = v.getUint16(at + 10, true);
    const flags = v.getUint16(at + 12, true);
    if (flags & 2) return; // the last entry holds no name
    if (length < 16 || at + length > node.length || 16 + keyLength > length) return;
    if (keyLength >= 66) {
      const nameLength = node[at + 16 + 64]!;
      if (66 + nameLength * 2 <= keyLength) {
        const name = new TextDecoder('utf-16le').decode(node.subarray(at + 16 + 66, at + 16 + 66 + nameLength * 2));
        if (name.toLowerCase() === 'hiberfil.sys') found.push(v.getBigUint64(at, true));
      }
    }
    at += length;
  }
}

async function indexRefs(
  image: DiskImage,
  volume: Volume,
  geometry: NtfsGeometry,
  root: Uint8Array,
): Promise<bigint[]> {
  const attrs = attributes(root, geometry.totalClusters);
  const found: bigint[] = [];
  const indexRoot = unnamed(attrs, INDEX_ROOT, '$I30');
  if (!indexRoot || !indexRoot.resident || indexRoot.value.length < 32)
    throw damaged(FS, 'root directory has no index root');
  const rv = dataView(indexRoot.value);
  hiberfileRefs(indexRoot.value, 16 + rv.getUint32(16, true), 16 + rv.getUint32(20, true), found);
  const allocation = unnamed(attrs, INDEX_ALLOCATION, '$I30');
  if (allocation && !allocation.resident) {
    const size = geometry.indexBlockBytes;
    const blocks = Math.floor(allocation.dataSize / size);
    if (blocks > MAX_INDEX_BLOCKS) throw damaged(FS, `root directory has ${blocks} index blocks`);
    for (let b = 0; b < blocks; b++) {
      const block = await readStream(image, volume, geometry, allocation.runs, b * size, size);
      if (String.fromCharCode(...block.subarray(0, 4)) !== 'INDX') continue;
      fixedUp(block, 'INDX', 'root index block');
      const bv = dataView(block);
      hiberfileRefs(block, 24 + bv.getUint32(24, true), 24 + bv.getUint32(28, true), found);
    }
  }
  return found;
}

/** Null when no hibernation image is in use, else the reason to keep the volume whole. */
export async function hibernation(
  image: DiskImage,
  volume: Volume,
  geometry: NtfsGeometry,
  readRecord: ReadRecord,
): Promise<string | null> {
  const refs = await indexRefs(image, volume, geometry, await readRecord(ROOT_RECORD));
  for (const ref of refs) {
    const number = Number(ref & 0xffffffffffffn);
    const record = await readRecord(number).catch(() => null);
    if (!record) return 'its hiberfil.sys cannot be read: boot Windows and shut it down fully first';
    const v = dataView(record);
    const inUse = (v.getUint16(22, true) & 1) === 1 && v.getUint16(16, true) === Number(ref >> 48n);
    if (!inUse) continue; // a stale entry
    const data = unnamed(attributes(record, geometry.totalClusters), DATA);
    if (!data) return 'its hiberfil.sys cannot be read: boot Windows and shut it down fully first';
    const head = data.resident
      ? data.value.subarray(0, 4)
      : data.initializedSize >= 4
        ? await readStream(image, volume, geometry, data.runs, 0, 4)
        : new Uint8Array(0);
    const signature = String.fromCharCode(...head).toLowerCase();
    if (signature === 'hibr' || signature === 'wake')
      return (
        'Windows is hibernated or was shut down with fast startup (hiberfil.sys holds a hibernation image): boot ' +
        'Windows, turn fast startup off (Power Options) and shut down fully, then compact again'
      );
  }
  return null;
}
