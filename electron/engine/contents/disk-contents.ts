// What is inside a virtual disk: its partition table (MBR with logical partitions, or GPT) and the file system of
// each partition, or of the whole disk when it has no table. Reads a few sectors through the image (and its
// parents); never writes. Damaged or implausible tables are reported as none rather than guessed at.
import type { DiskImage } from '../image/disk-image';
import { crc32 } from './crc32';
import { PROBE_BYTES, probeFileSystem } from './file-systems';
import { ntfsLabel } from './ntfs-label';
import type { DiskContents, PartitionEntry } from '../../../shared/image';
import type { FileSystemProbe } from './file-systems';
import { gptTypeName, mbrTypeName } from './type-names';

/** A partition as the table records it (the shared type the Image view shows). */
export type Partition = PartitionEntry;
export type { DiskContents };

const SECTOR = 512;
const EXTENDED = new Set([0x05, 0x0f, 0x85]);
const MAX_LOGICAL = 128;

/** Up to `length` bytes at `position`, fewer at the disk's end, none outside it (a table may point anywhere). */
async function readAt(image: DiskImage, position: number, length: number): Promise<Uint8Array> {
  const inside = Number.isSafeInteger(position) && position >= 0 && position < image.virtualSize;
  const n = inside ? Math.max(0, Math.min(length, image.virtualSize - position)) : 0;
  const bytes = new Uint8Array(n);
  if (n > 0) await image.read(bytes, position);
  return bytes;
}

async function probeAt(image: DiskImage, start: number, size: number): Promise<FileSystemProbe | null> {
  const bytes = await readAt(image, start, Math.min(size, PROBE_BYTES));
  const found = probeFileSystem(bytes);
  // NTFS keeps its label in the MFT, not the boot sector.
  if (found?.type === 'ntfs') return { type: 'ntfs', label: await ntfsLabel(image, start, bytes).catch(() => null) };
  return found;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function guid(b: Uint8Array, at: number): string {
  const h = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(b.subarray(at + from, at + to), (x) => x.toString(16).padStart(2, '0'));
    return (reverse ? part.reverse() : part).join('');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

interface MbrEntry {
  readonly status: number;
  readonly type: number;
  readonly first: number;
  readonly sectors: number;
}

function mbrEntries(sector: Uint8Array): MbrEntry[] {
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  return [0, 1, 2, 3].map((i) => {
    const at = 446 + i * 16;
    return {
      status: sector[at]!,
      type: sector[at + 4]!,
      first: view.getUint32(at + 8, true),
      sectors: view.getUint32(at + 12, true),
    };
  });
}

/** A plausible MBR: the boot signature, status bytes 0x00 or 0x80, and every used entry inside the disk. */
function plausibleMbr(sector: Uint8Array, diskSectors: number): MbrEntry[] | null {
  if (sector.length < SECTOR || sector[510] !== 0x55 || sector[511] !== 0xaa) return null;
  const entries = mbrEntries(sector);
  const used = entries.filter((e) => e.type !== 0 && e.sectors > 0);
  const sane = entries.every((e) => e.status === 0 || e.status === 0x80);
  // A protective MBR may claim the largest size it can whatever the disk; other entries must fit.
  const inside = used.every((e) => e.type === 0xee || (e.first > 0 && e.first + e.sectors <= diskSectors));
  return sane && inside && used.length > 0 ? entries : null;
}

async function logicalPartitions(image: DiskImage, extendedFirst: number, diskSectors: number): Promise<MbrEntry[]> {
  const found: MbrEntry[] = [];
  let ebr = extendedFirst;
  const seen = new Set<number>();
  while (found.length < MAX_LOGICAL && !seen.has(ebr) && ebr < diskSectors) {
    seen.add(ebr);
    const sector = await readAt(image, ebr * SECTOR, SECTOR);
    if (sector.length < SECTOR || sector[510] !== 0x55 || sector[511] !== 0xaa) break;
    const [logical, next] = mbrEntries(sector);
    if (logical && logical.type !== 0 && logical.sectors > 0 && ebr + logical.first + logical.sectors <= diskSectors)
      found.push({ ...logical, first: ebr + logical.first });
    if (!next || next.type === 0 || next.sectors === 0) break;
    ebr = extendedFirst + next.first;
  }
  return found;
}

async function readMbr(image: DiskImage, entries: MbrEntry[], sector0: Uint8Array): Promise<DiskContents> {
  const diskSectors = Math.floor(image.virtualSize / SECTOR);
  const partitions: Partition[] = [];
  // A protective entry (its GPT unreadable) may claim more than the disk has: it is shown up to the disk's end.
  const add = async (e: MbrEntry, number: number): Promise<void> => {
    if (e.first >= diskSectors) return;
    const size = Math.min(e.sectors, diskSectors - e.first) * SECTOR;
    partitions.push({
      number,
      start: e.first * SECTOR,
      size,
      type: `0x${e.type.toString(16).padStart(2, '0')}`,
      typeName: mbrTypeName(e.type),
      name: null,
      bootable: e.status === 0x80,
      fileSystem: EXTENDED.has(e.type) ? null : await probeAt(image, e.first * SECTOR, size),
    });
  };
  for (const [i, e] of entries.entries()) if (e.type !== 0 && e.sectors > 0) await add(e, i + 1);
  const extended = entries.find((e) => EXTENDED.has(e.type) && e.sectors > 0);
  if (extended) {
    const logical = await logicalPartitions(image, extended.first, diskSectors);
    for (const [i, e] of logical.entries()) await add(e, 5 + i);
  }
  const signature = new DataView(sector0.buffer, sector0.byteOffset).getUint32(440, true);
  return { scheme: 'mbr', diskId: hex32(signature), partitions, fileSystem: null };
}

/** The GPT header at `lba`, when its signature and CRC hold. */
async function gptHeader(image: DiskImage, lba: number): Promise<DataView | null> {
  const bytes = await readAt(image, lba * SECTOR, SECTOR);
  if (bytes.length < 92 || String.fromCharCode(...bytes.subarray(0, 8)) !== 'EFI PART') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(12, true);
  if (size < 92 || size > SECTOR) return null;
  const copy = bytes.slice(0, size);
  new DataView(copy.buffer).setUint32(16, 0, true);
  return crc32(copy) === view.getUint32(16, true) ? view : null;
}

async function readGpt(image: DiskImage): Promise<DiskContents | null> {
  const lastLba = Math.floor(image.virtualSize / SECTOR) - 1;
  const header = (await gptHeader(image, 1)) ?? (await gptHeader(image, lastLba));
  if (!header) return null;
  const entriesLba = Number(header.getBigUint64(72, true));
  const count = header.getUint32(80, true);
  const entrySize = header.getUint32(84, true);
  if (entrySize < 128 || entrySize > 4096 || count === 0 || count > 1024) return null;
  const table = await readAt(image, entriesLba * SECTOR, count * entrySize);
  if (table.length !== count * entrySize || crc32(table) !== header.getUint32(88, true)) return null;
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const partitions: Partition[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    if (table.subarray(at, at + 16).every((b) => b === 0)) continue;
    const first = Number(view.getBigUint64(at + 32, true));
    const last = Number(view.getBigUint64(at + 40, true));
    if (last < first || last > lastLba) continue;
    const type = guid(table, at);
    const nameBytes = table.subarray(at + 56, at + 128);
    const name = new TextDecoder('utf-16le').decode(nameBytes).replace(/\0.*$/s, '');
    const start = first * SECTOR;
    const size = (last - first + 1) * SECTOR;
    partitions.push({
      number: i + 1,
      start,
      size,
      type,
      typeName: gptTypeName(type),
      name: name === '' ? null : name,
      bootable: false,
      fileSystem: await probeAt(image, start, size),
    });
  }
  return {
    scheme: 'gpt',
    diskId: guid(new Uint8Array(header.buffer, header.byteOffset + 56, 16), 0),
    partitions,
    fileSystem: null,
  };
}

const NOTHING: DiskContents = { scheme: null, diskId: null, partitions: [], fileSystem: null };

export async function readDiskContents(image: DiskImage): Promise<DiskContents> {
  if (image.virtualSize < SECTOR) return NOTHING;
  const sector0 = await readAt(image, 0, SECTOR);
  const diskSectors = Math.floor(image.virtualSize / SECTOR);
  // A volume's own boot sector also ends in 55 AA: a file system at sector 0 means there is no partition table.
  const whole = await probeAt(image, 0, image.virtualSize);
  if (whole) return { scheme: null, diskId: null, partitions: [], fileSystem: whole };
  const entries = plausibleMbr(sector0, diskSectors);
  if (entries?.some((e) => e.type === 0xee)) {
    const gpt = await readGpt(image);
    if (gpt) return gpt;
  }
  if (entries) return readMbr(image, entries, sector0);
  const gpt = await readGpt(image);
  return gpt ?? NOTHING;
}
