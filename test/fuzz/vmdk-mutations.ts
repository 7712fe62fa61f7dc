// Mutations aimed at a VMDK's structures: the sparse header (and a stream's footer copy), the embedded descriptor's
// text, grain directory and grain table entries, compressed grains' markers and data, and the file length.
import { parseKdmvHeader } from '../../electron/engine/formats/vmdk/sparse-header';
import type { SparseHeader } from '../../electron/engine/formats/vmdk/sparse-header';
import type { Mutable } from './mutation';
import { interestingU32, interestingU64 } from './mutation';
import type { Rng } from './rng';

export interface VmdkShape {
  /** File offsets of the header copies (the first, and a stream's footer). */
  readonly headers: readonly number[];
  readonly descriptor: readonly [number, number] | null;
  readonly gdOffset: number;
  readonly gdEntries: number;
  /** File offsets of the grain tables, and of the grains (or compressed grains' markers) they name. */
  readonly tables: readonly number[];
  readonly grains: readonly number[];
  readonly compressed: boolean;
}

/** Where the sparse extent starts: 0, or inside an OVA the first KDMV on a tar block. */
function extentStart(bytes: Buffer): number {
  for (let at = 0; at < Math.min(bytes.length, 1 << 16); at += 512)
    if (bytes.toString('latin1', at, at + 4) === 'KDMV') return at;
  return 0;
}

/** An OVA's disk ends before the tar's end-of-archive blocks: its footer is found from the end of the extent. */
function extentEnd(bytes: Buffer, base: number): number {
  let end = bytes.length;
  while (end - 512 > base && bytes.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
  return base === 0 ? bytes.length : end + 512;
}

export function vmdkShape(whole: Buffer): VmdkShape | null {
  try {
    const base = extentStart(whole);
    const bytes = whole.subarray(base, extentEnd(whole, base));
    const first = parseKdmvHeader(bytes, 'seed');
    const footerAt = bytes.length - 1024;
    const header: SparseHeader = first.gdOffset === null ? parseKdmvHeader(bytes.subarray(footerAt), 'seed') : first;
    const gdOffset = header.gdOffset! * 512;
    const tables: number[] = [];
    const grains: number[] = [];
    for (let i = 0; i < header.gdEntries; i++) {
      const gt = bytes.readUInt32LE(gdOffset + i * 4) * 512;
      if (gt === 0) continue;
      tables.push(gt);
      for (let j = 0; j < header.gtesPerGt && grains.length < 4096; j++) {
        const sector = bytes.readUInt32LE(gt + j * 4);
        if (sector > 1) grains.push(sector * 512);
      }
    }
    return {
      headers: (first.gdOffset === null ? [0, footerAt] : [0]).map((o) => o + base),
      descriptor:
        first.descriptorOffset > 0 ? [base + first.descriptorOffset * 512, first.descriptorSectors * 512] : null,
      gdOffset: base + gdOffset,
      gdEntries: header.gdEntries,
      tables: tables.map((o) => o + base),
      grains: grains.map((o) => o + base),
      compressed: (header.flags & (1 << 16)) !== 0,
    };
  } catch {
    return null;
  }
}

type VmdkMutator = (m: Mutable, rng: Rng, shape: VmdkShape) => void;

/** Descriptor edits that keep its length (an embedded descriptor has a fixed room). */
const DESCRIPTOR_EDITS: readonly [RegExp, string][] = [
  [/createType="[^"]*"/, 'createType="seSparse"'],
  [/createType="[^"]*"/, 'createType=""'],
  [/RW \d+/, 'RW 99999999999999'],
  [/RW \d+/, 'RW 1'],
  [/SPARSE "[^"]*"/, 'FLAT "../../etc/passwd" 0'],
  [/SPARSE/, 'VMFSSPARSE'],
  [/parentCID=ffffffff/, 'parentCID=12345678'],
  [/CID=[0-9a-f]+/, 'CID=zz'],
  [/version=1/, 'version=9'],
];

const mutators: Record<string, VmdkMutator> = {
  header(m, rng, shape) {
    const at = rng.pick(shape.headers);
    switch (rng.int(8)) {
      case 0:
        return m.u32le(at + 4, rng.pick([0, 1, 2, 3, 4, 0xffffffff]), 'version');
      case 1:
        return m.u32le(at + 8, interestingU32(rng, [0x30001, 3, 1 << 2]), 'flags');
      case 2:
        return m.u64le(at + 12, interestingU64(rng, m.size), 'capacity');
      case 3:
        return m.u64le(at + 20, rng.pick([0n, 1n, 8n, 127n, 128n, 1n << 21n, 1n << 22n]), 'grain size');
      case 4:
        return m.u64le(at + 28 + 8 * rng.int(2), interestingU64(rng, m.size), 'descriptor offset or size');
      case 5:
        return m.u32le(at + 44, interestingU32(rng, [512, 4096]), 'entries per grain table');
      case 6:
        return m.u64le(at + 48 + 8 * rng.int(2), interestingU64(rng, m.size), 'grain directory offset');
      default:
        return m.put(at + 77, Buffer.from([rng.int(4), 0]), 'compression');
    }
  },
  descriptor(m, rng, shape) {
    if (!shape.descriptor) return mutators.header!(m, rng, shape);
    const [at, length] = shape.descriptor;
    const text = m.bytes.toString('latin1', at, Math.min(at + length, m.size));
    const [pattern, replacement] = rng.pick(DESCRIPTOR_EDITS);
    const match = pattern.exec(text);
    if (!match || rng.chance(0.2)) return m.flip(at + rng.int(Math.max(1, text.indexOf('\0'))), rng, 'descriptor');
    const edited = text.slice(0, match.index) + replacement + text.slice(match.index + match[0].length);
    m.put(at, Buffer.from(edited.slice(0, length), 'latin1'), `descriptor ${replacement}`);
  },
  directory(m, rng, shape) {
    const index = rng.int(Math.max(1, shape.gdEntries + 1));
    const value = rng.chance(0.5) && shape.tables.length ? rng.pick(shape.tables) / 512 : interestingU32(rng);
    m.u32le(shape.gdOffset + index * 4, value, `gd[${index}]`);
  },
  table(m, rng, shape) {
    if (shape.tables.length === 0) return mutators.directory!(m, rng, shape);
    const at = rng.pick(shape.tables) + rng.int(512) * 4;
    const own = shape.grains.length && rng.chance(0.4) ? rng.pick(shape.grains) / 512 : interestingU32(rng, [1, 2, 21]);
    m.u32le(at, own, 'grain table entry');
  },
  grain(m, rng, shape) {
    if (shape.grains.length === 0) return mutators.truncate!(m, rng, shape);
    const at = rng.pick(shape.grains);
    if (!shape.compressed) return m.put(at + rng.int(65536), rng.bytes(rng.range(1, 32)), 'grain data');
    switch (rng.int(3)) {
      case 0:
        return m.u64le(at, interestingU64(rng, m.size), 'grain marker lba');
      case 1:
        return m.u32le(at + 8, interestingU32(rng, [65536, 65536 + 1024, 65536 * 2]), 'grain marker size');
      default:
        return m.put(at + 12 + rng.int(64), rng.bytes(rng.range(1, 16)), 'compressed data');
    }
  },
  truncate(m, rng) {
    const size = m.size;
    m.truncate(rng.pick([0, 4, 512, 1024, 65536, size - 1, size - 512, size - 1536, rng.int(size)]));
  },
  garbage(m, rng) {
    m.put(rng.int(m.size), rng.bytes(rng.range(1, 64)), 'garbage');
  },
};

export const VMDK_MUTATORS = Object.keys(mutators);

export function mutateVmdk(m: Mutable, rng: Rng, shape: VmdkShape | null, kind = rng.pick(VMDK_MUTATORS)): void {
  if (!shape) return mutators[rng.pick(['truncate', 'garbage'])]!(m, rng, {} as VmdkShape);
  mutators[kind]!(m, rng, shape);
}
