// What `platter check --repair` changes, decided from a scan without writing anything. It fixes only what needs no
// guess, and never changes what the reader reads except where it drops a block: footers and checksums are
// rebuilt from the copy the reader already trusts (the UUID with them), and dropped blocks read as zeros (or the
// parent) where the reader refused them before.
import type { RepairChange } from '../driver';
import { UNALLOCATED } from './bat';
import { vhdChecksum } from './checksum';
import { SECTOR } from '../fields';
import { FOOTER_SIZE } from './footer';
import { STRUCTURE } from './vhd-blocks';
import type { FooterCopy } from './vhd-structure';
import type { BlockScan, VhdScan } from './vhd-scan';

export type { RepairChange } from '../driver';

export interface FileEdit {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface RepairPlan {
  readonly changes: readonly RepairChange[];
  /** Disjoint writes. */
  readonly edits: readonly FileEdit[];
  /** The new file length, or null to keep it. */
  readonly length: number | null;
}

/**
 * Most bytes cut off the end of a file, unused space after the last block. The undo journal keeps them until the
 * repair is done; beyond this the space stays (`platter compact` reclaims it) rather than bloat the journal.
 */
export const MAX_CUT_BYTES = 16 * 1024 * 1024;
const FOOTER_CHECKSUM = 64;
const HEADER_CHECKSUM = 36;
const MAX_TABLE_ENTRIES = 28;

function withChecksum(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(at, vhdChecksum(copy, at));
  return copy;
}

function sameBytes(a: Uint8Array, b: Uint8Array, length = a.length): boolean {
  return Buffer.compare(a.subarray(0, length), b.subarray(0, length)) === 0;
}

export function planRepair(scan: VhdScan): RepairPlan {
  const changes: RepairChange[] = [];
  const edits: FileEdit[] = [];
  let length: number | null = null;
  // Each write belongs to one structure and must not touch another (a damaged header may put two in one place).
  const write = (offset: number, bytes: Uint8Array, code: string, message: string, owner: string) => {
    if (!clearOf(scan, offset, bytes.length, owner)) return false;
    edits.push({ offset, bytes });
    changes.push({ code, offset, message });
    return true;
  };
  const footer = scan.footer;
  if (!footer || !trustworthy(scan, footer)) return { changes, edits, length };
  const good = withChecksum(footer.bytes, FOOTER_CHECKSUM);
  const { end, head } = scan.copies;
  if (footer.parsed.footer.diskType === 'fixed') {
    if (!end!.parsed.checksumValid)
      write(end!.offset, good.subarray(0, end!.length), 'VHD_FOOTER_CHECKSUM', 'footer checksum recomputed', '');
    return { changes, edits, length };
  }
  const header = scan.header!;
  const blocks = scan.blocks;
  // A table longer than the disk needs (strict readers refuse it; an interrupted resize leaves it): cut to size.
  const needed = blocks && header.header.maxTableEntries > blocks.bat.length ? blocks.bat.length : null;
  if (!header.checksumValid || needed !== null) {
    const bytes = Uint8Array.from(header.bytes);
    if (needed !== null) new DataView(bytes.buffer).setUint32(MAX_TABLE_ENTRIES, needed);
    const message =
      needed === null
        ? 'dynamic header checksum recomputed'
        : `block table length set to the ${needed} entries the disk needs (it said ${header.header.maxTableEntries})${header.checksumValid ? '' : ', header checksum recomputed'}`;
    const code = needed === null ? 'VHD_HEADER_CHECKSUM' : 'VHD_BAT_LENGTH';
    write(header.offset, withChecksum(bytes, HEADER_CHECKSUM), code, message, STRUCTURE.header);
  }
  const table = scan.header!.header.tableOffset;
  const droppable = blocks !== null && clearOf(scan, table, blocks.bat.length * 4, STRUCTURE.table);
  if (droppable) {
    const drops = planDrops(scan, blocks);
    edits.push(...drops.edits);
    changes.push(...drops.changes);
  }
  // The end footer: in place, or right after the last block when it is missing or far past it. The end of the
  // data counts only the sound blocks, so it holds only once the faulty ones are dropped.
  const dataEnd = blocks && (droppable || blocks.faults.count === 0) ? blocks.dataEnd : null;
  const position = footerPosition(scan, dataEnd, blocks ? blocks.layout.bitmapSize + blocks.layout.blockSize : 0);
  if (position !== null) {
    const moved = position !== end?.offset;
    if (moved || !sameBytes(end!.bytes, good, end!.length)) {
      const fromHead = scan.source === 'head' ? ', from the copy at the start' : '';
      let code = 'VHD_FOOTER_CHECKSUM';
      let message =
        scan.source === 'head'
          ? 'footer at the end rebuilt from the copy at the start'
          : 'checksum of the footer at the end recomputed';
      if (!end) {
        code = 'VHD_FOOTER_MISSING';
        message = `missing footer written at ${position}, right after the last block${fromHead}`;
      } else if (moved) {
        if (end.parsed.checksumValid && !fromHead) code = 'VHD_FILE_LENGTH';
        const recomputed = !fromHead && !end.parsed.checksumValid ? ', its checksum recomputed' : '';
        message = `footer moved from ${end.offset} to ${position}, right after the last block${fromHead}${recomputed}`;
      }
      const delta = position + FOOTER_SIZE - scan.fileSize;
      if (moved && delta !== 0)
        message += delta < 0 ? `; the ${-delta} bytes after it cut off` : `; the file extended by ${delta} bytes`;
      const bytes = moved ? good : good.subarray(0, end!.length);
      if (write(position, bytes, code, message, STRUCTURE.endFooter) && moved && delta !== 0)
        length = position + FOOTER_SIZE;
    }
  }
  // The copy at the start (unless something else lives there).
  if (!head || !sameBytes(head.bytes, good)) {
    const code = !head
      ? 'VHD_FOOTER_COPY_MISSING'
      : !head.parsed.checksumValid
        ? 'VHD_FOOTER_COPY_CHECKSUM'
        : 'VHD_FOOTER_COPY_MISMATCH';
    const message =
      scan.source === 'head'
        ? 'checksum of the footer copy at the start recomputed'
        : 'footer copy at the start rebuilt from the footer at the end';
    write(0, good, code, message, STRUCTURE.headCopy);
  }
  return { changes, edits, length };
}

/**
 * Whether the footer the reader trusts may be written over the other copy. A sparse disk's footer must lead to a
 * readable header; a bad checksum is recomputed only when no other copy says otherwise.
 */
function trustworthy(scan: VhdScan, footer: FooterCopy): boolean {
  if (footer.parsed.footer.diskType === 'fixed') return true;
  if (!scan.header) return false;
  if (footer.parsed.checksumValid) return true;
  const other = scan.source === 'end' ? scan.copies.head : scan.copies.end;
  if (!other) return true;
  const a = Uint8Array.from(footer.bytes);
  const b = Uint8Array.from(other.bytes);
  a.fill(0, FOOTER_CHECKSUM, FOOTER_CHECKSUM + 4);
  b.fill(0, FOOTER_CHECKSUM, FOOTER_CHECKSUM + 4);
  return sameBytes(a, b);
}

/** Where the end footer goes, or null to leave it: after the data when missing or when a block or more is unused. */
function footerPosition(scan: VhdScan, dataEnd: number | null, blockBytes: number): number | null {
  const end = scan.copies.end;
  const size = scan.fileSize;
  if (dataEnd === null) return end ? end.offset : null; // without the table, the end of the data is unknown
  const cutFits = size - (dataEnd + FOOTER_SIZE) <= MAX_CUT_BYTES;
  if (end) {
    if (end.offset < dataEnd) return null; // structures reach into the footer: no place is right
    return end.offset - dataEnd >= blockBytes && cutFits ? dataEnd : end.offset;
  }
  return cutFits ? dataEnd : size - FOOTER_SIZE;
}

/** Marks the faulty blocks unallocated: BAT sectors rewritten, one change per block (the first hundred). */
function planDrops(scan: VhdScan, blocks: BlockScan): { edits: FileEdit[]; changes: RepairChange[] } {
  const { bat, faults, layout } = blocks;
  const edits: FileEdit[] = [];
  const changes: RepairChange[] = [];
  const marks = faults.marks;
  if (!marks) return { edits, changes };
  const table = scan.header!.header.tableOffset;
  const beneath = scan.footer!.parsed.footer.diskType === 'differencing' ? 'read from the parent' : 'read as zeros';
  const past = scan.copies.end ? 'the footer' : 'the end of the file';
  for (const fault of faults.first) {
    const start = fault.block * layout.blockSize;
    const end = Math.min(start + layout.blockSize, layout.virtualSize);
    const why = fault.kind === 'outside' ? `runs past ${past}` : `overlaps ${fault.other}`;
    changes.push({
      code: fault.kind === 'outside' ? 'VHD_BAT_OUT_OF_RANGE' : 'VHD_BAT_OVERLAP',
      offset: table + fault.block * 4,
      message: `block ${fault.block} at offset ${fault.offset} dropped: it ${why}; virtual bytes ${start}-${end - 1} now ${beneath}`,
      virtualRange: { start, end },
    });
  }
  if (faults.count > faults.first.length) {
    const more = faults.count - faults.first.length;
    changes.push({
      code: 'VHD_BAT_OVERLAP',
      offset: table,
      message: `${more} more faulty blocks dropped (not listed); their ranges now ${beneath}`,
    });
  }
  // Rewrite each BAT sector holding a dropped entry, in runs of up to 64 KiB; never the padding past the table.
  const tableBytes = bat.length * 4;
  const perSector = SECTOR / 4;
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart < 0) return;
    const from = runStart * SECTOR;
    const to = Math.min(runEnd * SECTOR, tableBytes);
    const bytes = new Uint8Array(to - from);
    const dv = new DataView(bytes.buffer);
    for (let i = from / 4; i < to / 4; i++) dv.setUint32(i * 4 - from, marks[i] ? UNALLOCATED : bat[i]!);
    edits.push({ offset: table + from, bytes });
    runStart = -1;
  };
  for (let sector = 0; sector * perSector < bat.length; sector++) {
    if (!marks.subarray(sector * perSector, (sector + 1) * perSector).some((m) => m !== 0)) continue;
    if (runStart >= 0 && (sector !== runEnd || runEnd - runStart >= 128)) flush();
    if (runStart < 0) runStart = sector;
    runEnd = sector + 1;
  }
  flush();
  return { edits, changes };
}

/** Whether [offset, offset + length) touches no structure but `owner`. */
function clearOf(scan: VhdScan, offset: number, length: number, owner: string): boolean {
  return scan.structures.every((r) => r.what === owner || r.end <= offset || offset + length <= r.start);
}
