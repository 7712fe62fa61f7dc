// Mutations aimed at a VDI's structures: the pre-header and each header field VirtualBox validates (sizes, offsets,
// counts, UUIDs), block map entries (out of range, used twice, zero or free), and the file length.
import { HEADER_FIELD_OFFSETS as AT, parseVdiHeader } from '../../electron/engine/formats/vdi/header';
import type { Mutable } from './mutation';
import { interestingU32, interestingU64 } from './mutation';
import type { Rng } from './rng';

export interface VdiShape {
  readonly blocksOffset: number;
  readonly blocks: number;
  readonly blocksAllocated: number;
  /** Entries of the map that name a data block, to copy into others. */
  readonly entries: readonly number[];
}

export function vdiShape(bytes: Buffer): VdiShape | null {
  try {
    const h = parseVdiHeader(bytes.subarray(0, 512));
    const entries: number[] = [];
    for (let i = 0; i < Math.min(h.blocks, 8192) && h.blocksOffset + 4 * i + 4 <= bytes.length; i++) {
      const entry = bytes.readUInt32LE(h.blocksOffset + 4 * i);
      if (entry < 0xfffffffe) entries.push(entry);
    }
    return { blocksOffset: h.blocksOffset, blocks: h.blocks, blocksAllocated: h.blocksAllocated, entries };
  } catch {
    return null;
  }
}

const MiB = 1024 * 1024;
const U32_FIELDS = [
  AT.headerSize,
  AT.type,
  AT.flags,
  AT.blocksOffset,
  AT.dataOffset,
  AT.legacyGeometry + 12,
  AT.blockSize,
  AT.blockExtra,
  AT.blocks,
  AT.blocksAllocated,
  AT.lchsGeometry + 12,
];
const UUIDS = [AT.uuid, AT.modificationUuid, AT.parentUuid, AT.parentModificationUuid];

type VdiMutator = (m: Mutable, rng: Rng, shape: VdiShape) => void;

const mutators: Record<string, VdiMutator> = {
  header(m, rng) {
    const field = rng.int(U32_FIELDS.length + 3);
    if (field < U32_FIELDS.length) {
      const at = U32_FIELDS[field]!;
      m.u32le(at, interestingU32(rng, [1, 2, 3, 4, 5, 0x180, 0x190, MiB, 2 * MiB, 0x3fffffff]), `header u32 @${at}`);
    } else if (field === U32_FIELDS.length) {
      m.u64le(AT.diskSize, interestingU64(rng, m.size), 'disk size');
    } else if (field === U32_FIELDS.length + 1) {
      m.put(rng.pick(UUIDS), rng.chance(0.5) ? new Uint8Array(16) : rng.bytes(16), 'uuid');
    } else {
      m.u32le(0x44, rng.pick([0, 1, 2, 0x00010000, 0x00010001, 0x00010002, 0x00020001]), 'version');
    }
  },
  blockMap(m, rng, shape) {
    for (let n = rng.range(1, 3); n > 0; n--) {
      const index = rng.int(Math.max(1, Math.min(shape.blocks, 8192)));
      const value = rng.pick([
        0,
        1,
        shape.blocksAllocated - 1,
        shape.blocksAllocated,
        shape.blocks,
        0xfffffffe,
        0xffffffff,
        0x7fffffff,
        rng.pick([...shape.entries, 0]),
      ]);
      m.u32le(shape.blocksOffset + 4 * index, value, `map[${index}]`);
    }
  },
  truncate(m, rng) {
    const size = m.size;
    m.truncate(rng.pick([0, 64, 300, 512, MiB + 4, size - 1, size - MiB, rng.int(size)]));
  },
  garbage(m, rng) {
    m.put(rng.int(m.size), rng.bytes(rng.range(1, 64)), 'garbage');
  },
};

export const VDI_MUTATORS = Object.keys(mutators);

export function mutateVdi(m: Mutable, rng: Rng, shape: VdiShape | null, kind = rng.pick(VDI_MUTATORS)): void {
  const empty: VdiShape = { blocksOffset: 0, blocks: 0, blocksAllocated: 0, entries: [] };
  if (!shape) return mutators[rng.pick(['truncate', 'garbage'])]!(m, rng, empty);
  mutators[kind]!(m, rng, shape);
}
