// Mutations aimed at a VHDX's structures: header and region table copies (CRC-32C fixed up or not), the metadata
// table and its items, BAT entries, the log's entries (a dirty log is replayed when read), and the file length.
import { crc32cWithZeroedField } from '../../electron/engine/formats/vhdx/crc32c';
import { HEADER_OFFSETS } from '../../electron/engine/formats/vhdx/header';
import { METADATA_TABLE_SIZE, parseMetadataTable } from '../../electron/engine/formats/vhdx/metadata-table';
import type { MetadataEntry } from '../../electron/engine/formats/vhdx/metadata-table';
import { REGION_TABLE_OFFSETS } from '../../electron/engine/formats/vhdx/region-table';
import { withLogReplayed } from '../../electron/engine/formats/vhdx/replayed-source';
import { readVhdxStructure } from '../../electron/engine/formats/vhdx/structure';
import type { Mutable } from './mutation';
import { interestingU32, interestingU64 } from './mutation';
import type { Rng } from './rng';

export interface VhdxShape {
  readonly batOffset: number;
  readonly batEntries: number;
  readonly metadataOffset: number;
  readonly items: readonly MetadataEntry[];
  /** Offsets (MiB) of present blocks, to point other entries at. */
  readonly blockMiB: readonly number[];
  /** File offsets of the log's entries (4 KiB-aligned "loge" sectors), and where the log lies. */
  readonly logEntries: readonly number[];
  readonly logOffset: number;
}

export async function vhdxShape(bytes: Buffer): Promise<VhdxShape | null> {
  const source = {
    path: 'pristine.vhdx',
    size: bytes.length,
    readAt: async (position: number, length: number) => Uint8Array.from(bytes.subarray(position, position + length)),
    read: async (target: Uint8Array, position: number) =>
      target.set(bytes.subarray(position, position + target.length)),
    close: async () => undefined,
  };
  try {
    const s = await readVhdxStructure(await withLogReplayed(source));
    const { logOffset, logLength } = s.header;
    const logEntries: number[] = [];
    for (let at = logOffset; at < Math.min(logOffset + logLength, bytes.length); at += 4096)
      if (bytes.toString('latin1', at, at + 4) === 'loge') logEntries.push(at);
    const table = bytes.subarray(s.metadataRegion.fileOffset, s.metadataRegion.fileOffset + METADATA_TABLE_SIZE);
    return {
      batOffset: s.batRegion.fileOffset,
      batEntries: s.geometry.totalEntries,
      metadataOffset: s.metadataRegion.fileOffset,
      items: parseMetadataTable(table, s.metadataRegion.length),
      blockMiB: [...s.bat.payloadOffsetMiB].filter((o) => o > 0),
      logEntries,
      logOffset,
    };
  } catch {
    return null;
  }
}

const HEADER_SIZE = 4096;
const REGION_SIZE = 64 * 1024;

function fixCrc(m: Mutable, at: number, size: number): void {
  if (at + size > m.size) return;
  m.bytes.writeUInt32LE(crc32cWithZeroedField(m.bytes.subarray(at, at + size), 4), at + 4);
}

type VhdxMutator = (m: Mutable, rng: Rng, shape: VhdxShape) => void;

const mutators: Record<string, VhdxMutator> = {
  header(m, rng) {
    const copies = rng.pick([[HEADER_OFFSETS[0]], [HEADER_OFFSETS[1]], [...HEADER_OFFSETS]]);
    const field = rng.int(6);
    const guid = rng.chance(0.5) ? new Uint8Array(16) : rng.bytes(16);
    const v32 = interestingU32(rng);
    const v64 = interestingU64(rng, m.size);
    for (const at of copies) {
      if (field === 0) m.u64le(at + 8, v64, 'sequence');
      else if (field === 1) m.put(at + 48, guid, 'log guid');
      else if (field === 2) m.u32le(at + 64, v32, 'log and format version');
      else if (field === 3) m.u32le(at + 68, v32, 'log length');
      else if (field === 4) m.u64le(at + 72, v64, 'log offset');
      else m.flip(at + rng.int(HEADER_SIZE), rng, 'header');
      if (rng.chance(0.7)) fixCrc(m, at, HEADER_SIZE);
    }
  },
  regionTable(m, rng) {
    const copies = rng.pick([[REGION_TABLE_OFFSETS[0]], [REGION_TABLE_OFFSETS[1]], [...REGION_TABLE_OFFSETS]]);
    const entry = 16 + rng.int(3) * 32;
    const field = rng.int(5);
    const v32 = interestingU32(rng, [1024 * 1024, 2 * 1024 * 1024]);
    const v64 = interestingU64(rng, m.size);
    for (const at of copies) {
      if (field === 0) m.u32le(at + 8, v32, 'region count');
      else if (field === 1) m.u64le(at + entry + 16, v64, 'region offset');
      else if (field === 2) m.u32le(at + entry + 24, v32, 'region length');
      else if (field === 3) m.u32le(at + entry + 28, v32, 'region flags');
      else m.flip(at + entry + rng.int(16), rng, 'region guid');
      if (rng.chance(0.8)) fixCrc(m, at, REGION_SIZE);
    }
  },
  metadataTable(m, rng, shape) {
    const at = shape.metadataOffset;
    const entry = at + 32 + rng.int(Math.max(1, shape.items.length + 1)) * 32;
    switch (rng.int(5)) {
      case 0:
        m.put(at + 10, Buffer.from([rng.int(256), rng.int(256)]), 'metadata count');
        break;
      case 1:
        m.u32le(entry + 16, interestingU32(rng, [65536, 65536 + 8]), 'item offset');
        break;
      case 2:
        m.u32le(entry + 20, interestingU32(rng, [1024 * 1024, 1024 * 1024 + 1]), 'item length');
        break;
      case 3:
        m.u32le(entry + 24, rng.int(8), 'item flags');
        break;
      default:
        m.flip(entry + rng.int(16), rng, 'item guid');
    }
  },
  metadataItem(m, rng, shape) {
    if (shape.items.length === 0) return mutators.metadataTable!(m, rng, shape);
    const item = rng.pick(shape.items);
    const at = shape.metadataOffset + item.offset;
    if (item.length >= 8 && rng.chance(0.5)) m.u64le(at, interestingU64(rng, m.size), 'item u64');
    else if (item.length >= 4 && rng.chance(0.6))
      m.u32le(at + (item.length >= 8 ? 4 * rng.int(2) : 0), interestingU32(rng, [1 << 20, 1 << 21, 4096]), 'item u32');
    else m.flip(at + rng.int(Math.max(1, item.length)), rng, 'item');
  },
  bat(m, rng, shape) {
    for (let n = rng.range(1, 3); n > 0; n--) {
      const index = rng.int(Math.max(1, Math.min(shape.batEntries, 8192)));
      const state = rng.pick([0, 1, 2, 3, 4, 5, 6, 7]);
      const offsetMiB = rng.pick([
        0,
        1,
        2,
        Math.floor(m.size / 2 ** 20),
        Math.ceil(m.size / 2 ** 20),
        2 ** 44 - 1,
        rng.pick([...shape.blockMiB, 1]),
      ]);
      const low = ((offsetMiB % 4096) * 2 ** 20 + state) >>> 0;
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32LE(low, 0);
      bytes.writeUInt32LE(Math.floor(offsetMiB / 4096) >>> 0, 4);
      m.put(shape.batOffset + index * 8, bytes, `bat[${index}] state ${state} at ${offsetMiB} MiB`);
    }
  },
  log(m, rng, shape) {
    if (shape.logEntries.length === 0) return mutators.header!(m, rng, shape);
    const at = rng.pick(shape.logEntries);
    if (at + 8192 > m.size) return mutators.truncate!(m, rng, shape); // cut short by an earlier mutation
    const descriptor = at + 64 + 32 * rng.int(4);
    const v32 = interestingU32(rng, [4096, 8192, 1024 * 1024]);
    const v64 = interestingU64(rng, m.size);
    switch (rng.int(7)) {
      case 0:
        m.u32le(at + 8, v32, 'log entry length');
        break;
      case 1:
        m.u32le(at + 12, v32, 'log tail');
        break;
      case 2:
        m.u64le(at + 16, v64, 'log sequence');
        break;
      case 3:
        m.u32le(at + 24, v32, 'log descriptor count');
        break;
      case 4:
        m.u64le(at + 48 + 8 * rng.int(2), v64, 'log flushed or last file offset');
        break;
      case 5:
        m.u64le(descriptor + 8 * rng.range(1, 3), v64, 'log descriptor length or offset');
        break;
      default:
        m.flip(at + 4096 + rng.int(4096), rng, 'log data sector');
    }
    // Mostly with the entry's checksum fixed up, so the replay logic itself is reached.
    const length = m.bytes.readUInt32LE(at + 8);
    if (rng.chance(0.8) && length >= 4096 && length <= 4 * 1024 * 1024) fixCrc(m, at, length);
  },
  truncate(m, rng) {
    const size = m.size;
    m.truncate(rng.pick([0, 8, 65536, 1024 * 1024, size - 1, size - 1024 * 1024, rng.int(size)]));
  },
  garbage(m, rng) {
    m.put(rng.int(m.size), rng.bytes(rng.range(1, 64)), 'garbage');
  },
};

export const VHDX_MUTATORS = Object.keys(mutators);

export function mutateVhdx(m: Mutable, rng: Rng, shape: VhdxShape | null, kind = rng.pick(VHDX_MUTATORS)): void {
  const empty: VhdxShape = {
    batOffset: 0,
    batEntries: 0,
    metadataOffset: 0,
    items: [],
    blockMiB: [],
    logEntries: [],
    logOffset: 0,
  };
  if (!shape) return mutators[rng.pick(['truncate', 'garbage'])]!(m, rng, empty);
  mutators[kind]!(m, rng, shape);
}
