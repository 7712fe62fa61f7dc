// Mutations aimed at a VHD's structures: footers, the dynamic header, locators, the BAT and the file length.
import { vhdChecksum } from '../../electron/engine/formats/vhd/checksum';
import { parseDynamicHeader } from '../../electron/engine/formats/vhd/dynamic-header';
import type { DynamicHeader } from '../../electron/engine/formats/vhd/dynamic-header';
import { parseFooter } from '../../electron/engine/formats/vhd/footer';
import type { Footer } from '../../electron/engine/formats/vhd/footer';
import type { Mutable } from './mutation';
import { interestingU32, interestingU64 } from './mutation';
import type { Rng } from './rng';

/** What the pristine image holds and where: the targets of the aimed mutations. */
export interface VhdShape {
  readonly footer: Footer;
  readonly header: DynamicHeader | null;
  readonly dataOffset: number | null;
  /** Allocated BAT entries (sector offsets). */
  readonly allocated: readonly number[];
}

export function vhdShape(bytes: Buffer): VhdShape | null {
  try {
    const footer = parseFooter(bytes.subarray(bytes.length - 512)).footer;
    if (footer.diskType === 'fixed' || footer.dataOffset === null)
      return { footer, header: null, dataOffset: null, allocated: [] };
    const header = parseDynamicHeader(bytes.subarray(footer.dataOffset, footer.dataOffset + 1024)).header;
    const allocated: number[] = [];
    for (let i = 0; i < header.maxTableEntries && header.tableOffset + i * 4 + 4 <= bytes.length; i++) {
      const entry = bytes.readUInt32BE(header.tableOffset + i * 4);
      if (entry !== 0xffffffff) allocated.push(entry);
    }
    return { footer, header, dataOffset: footer.dataOffset, allocated };
  } catch {
    return null;
  }
}

const FOOTER_U32 = [8, 12, 24, 32, 36, 56, 60, 64];
const FOOTER_U64 = [16, 40, 48];
const HEADER_U32 = [24, 28, 32, 36, 56];
const HEADER_U64 = [8, 16];

function fixFooter(m: Mutable, at: number): void {
  if (at < 0 || at + 512 > m.size) return;
  m.bytes.writeUInt32BE(vhdChecksum(m.bytes.subarray(at, at + 512), 64), at + 64);
}

function fixHeader(m: Mutable, at: number | null): void {
  if (at === null || at < 0 || at + 1024 > m.size) return;
  m.bytes.writeUInt32BE(vhdChecksum(m.bytes.subarray(at, at + 1024), 36), at + 36);
}

/** The footer copies to change: the end one, the one at the start, or both (to get past the fallback). */
function footerCopies(m: Mutable, rng: Rng, shape: VhdShape): number[] {
  const end = m.size - 512;
  if (!shape.header) return [end];
  return rng.pick([[end], [0], [0, end]]);
}

type VhdMutator = (m: Mutable, rng: Rng, shape: VhdShape) => void;

const mutators: Record<string, VhdMutator> = {
  footerFlip(m, rng, shape) {
    for (const at of footerCopies(m, rng, shape)) m.flip(at + rng.int(512), rng, 'footer');
  },
  footerField(m, rng, shape) {
    const copies = footerCopies(m, rng, shape);
    const wide = rng.chance(0.5);
    const field = rng.pick(wide ? FOOTER_U64 : FOOTER_U32);
    const value32 = interestingU32(rng, [2, 3, 4, 5]);
    const value64 = interestingU64(rng, m.size);
    for (const at of copies) {
      if (wide) m.u64(at + field, value64, `footer[${field}]`);
      else m.u32(at + field, value32, `footer[${field}]`);
      if (rng.chance(0.6)) fixFooter(m, at);
    }
  },
  headerField(m, rng, shape) {
    const at = shape.dataOffset;
    if (at === null) return mutators.footerField!(m, rng, shape);
    if (rng.chance(0.5)) m.u32(at + rng.pick(HEADER_U32), interestingU32(rng), 'header');
    else m.u64(at + rng.pick(HEADER_U64), interestingU64(rng, m.size), 'header');
    if (rng.chance(0.7)) fixHeader(m, at);
  },
  headerFlip(m, rng, shape) {
    if (shape.dataOffset === null) return mutators.footerFlip!(m, rng, shape);
    m.flip(shape.dataOffset + rng.int(1024), rng, 'header');
    if (rng.chance(0.5)) fixHeader(m, shape.dataOffset);
  },
  locator(m, rng, shape) {
    const at = shape.dataOffset;
    if (at === null) return mutators.footerFlip!(m, rng, shape);
    const entry = at + 576 + rng.int(8) * 24;
    switch (rng.int(4)) {
      case 0:
        m.u32(entry, rng.pick([0x57327275, 0x57326b75, 0x4d616358, 0x57693272, interestingU32(rng)]), 'locator code');
        break;
      case 1:
        m.u32(entry + 4, interestingU32(rng), 'locator space');
        break;
      case 2:
        m.u32(entry + 8, interestingU32(rng, [65536, 65537]), 'locator length');
        break;
      default:
        m.u64(entry + 16, interestingU64(rng, m.size), 'locator offset');
    }
    if (rng.chance(0.8)) fixHeader(m, at);
  },
  bat(m, rng, shape) {
    const header = shape.header;
    if (!header) return mutators.truncate!(m, rng, shape);
    const sectors = Math.floor(m.size / 512);
    for (let n = rng.range(1, 3); n > 0; n--) {
      const index = rng.int(Math.max(1, Math.min(header.maxTableEntries, 4096)));
      const value = rng.pick([
        0xffffffff,
        0,
        1,
        2,
        3,
        rng.pick(shape.allocated.length ? shape.allocated : [0]),
        (rng.pick(shape.allocated.length ? shape.allocated : [0]) + rng.range(-1, 1)) >>> 0,
        sectors - 1,
        sectors,
        sectors + 1,
        interestingU32(rng),
      ]);
      m.u32(header.tableOffset + index * 4, value, `bat[${index}]`);
    }
  },
  truncate(m, rng) {
    const size = m.size;
    m.truncate(
      rng.pick([0, 1, 511, 512, 513, 1024, size - 1, size - 511, size - 512, size - rng.range(1, 4096), rng.int(size)]),
    );
  },
  extend(m, rng) {
    m.append(rng.chance(0.5) ? rng.bytes(rng.range(1, 70_000)) : new Uint8Array(rng.range(1, 3 * 1024 * 1024)), 'tail');
  },
  garbage(m, rng) {
    const at = rng.chance(0.7) ? rng.int(Math.min(m.size, 8192)) : rng.int(m.size);
    m.put(at, rng.bytes(rng.range(1, 64)), 'garbage');
  },
  selfParent(m, rng, shape) {
    const at = shape.dataOffset;
    if (at === null || shape.footer.diskType !== 'differencing') return mutators.locator!(m, rng, shape);
    // Parent UUID = own UUID, and (sometimes) every locator renamed from the parent to the child itself.
    m.put(at + 40, Buffer.from(shape.footer.uuid.replace(/-/g, ''), 'hex'), 'parent uuid = own uuid');
    if (rng.chance(0.7)) renameInHeader(m, at, 'p.vhd', 'c.vhd');
    fixHeader(m, at);
  },
};

/** Replaces a file name in the parent name (UTF-16BE) and the locator data (UTF-16LE) of a child. */
export function renameInHeader(m: Mutable, dataOffset: number, from: string, to: string): void {
  const window = m.bytes.subarray(0, Math.min(m.size, dataOffset + 64 * 1024));
  for (const encode of [(s: string) => Buffer.from(s, 'utf16le'), (s: string) => Buffer.from(s, 'utf16le').swap16()]) {
    const old = encode(from);
    for (let i = window.indexOf(old); i >= 0; i = window.indexOf(old, i + 1)) m.put(i, encode(to), `rename ${from}`);
  }
}

export const VHD_MUTATORS = Object.keys(mutators);

export function mutateVhd(m: Mutable, rng: Rng, shape: VhdShape | null, kind = rng.pick(VHD_MUTATORS)): void {
  const fallback: VhdShape = {
    footer: null as unknown as Footer,
    header: null,
    dataOffset: null,
    allocated: [],
  };
  if (!shape) return mutators[rng.pick(['truncate', 'extend', 'garbage'])]!(m, rng, fallback);
  mutators[kind]!(m, rng, shape);
}
