// Resizing a VHDX in place, through its log (log-update.ts): the virtual disk size item and the BAT entries that
// come into use (or fall out of use) change in one logged update, so a crash leaves the old disk or, once any
// reader replays the log, the new one. The BAT region must already have room for the entries.
// - A fixed disk holds every block: the blocks a grow adds are given space past the last thing the file holds,
//   zeroed and flushed before the log names them; a shrink cuts the file after the update, once nothing names
//   the blocks past the new end.
// - A differencing disk only grows (docs/chains-merge-resize.md): its new blocks are left to the parent, and read
//   as zeros past the parent's end; each new chunk gets a zeroed sector bitmap block, as VhdxWriter gives a child.
import { PlatterError } from '../../errors';
import { RandomAccessFile } from '../../io/random-access-file';
import {
  BAT_ENTRY_SIZE,
  BITMAP_STATE,
  PAYLOAD_STATE,
  SECTOR_BITMAP_BLOCK_SIZE,
  batGeometry,
  bitmapEntryIndex,
  payloadEntryIndex,
  writeBatEntry,
} from './bat';
import { MIB } from './fields';
import { changeThroughLog, editWrites, pageWrites, zeroWrites } from './log-update';
import type { ByteEdit } from './log-update';
import type { LogWrite } from './log';
import { METADATA_GUID, serializeVirtualDiskSize } from './metadata-items';
import { METADATA_TABLE_SIZE, parseMetadataTable } from './metadata-table';
import { pendingLog, replayLogIntoFile } from './repair-log';
import type { VhdxStructure } from './structure';
import { usedEnd } from './used-space';
import { VhdxImage } from './vhdx-image';
import type { Resizing } from '../driver';
import { checkVhdxLayout } from './vhdx-writer';

function entryBytes(state: number, fileOffsetMiB: number): Uint8Array {
  const bytes = new Uint8Array(BAT_ENTRY_SIZE);
  writeBatEntry(new DataView(bytes.buffer), 0, { state, fileOffsetMiB });
  return bytes;
}

function refuse(image: VhdxImage, message: string, remedy: string): PlatterError {
  return new PlatterError('UNSUPPORTED', message, remedy, { path: image.path });
}

/** Throws, changing nothing, unless `image` can be resized in place to `newSize`. */
export function checkVhdxResize(image: VhdxImage, newSize: number): void {
  const s = image.structure;
  const m = s.metadata;
  const oldSize = m.virtualSize;
  if (m.hasParent && newSize < oldSize)
    throw refuse(
      image,
      `${image.path} is a differencing VHDX, which Platter grows but does not shrink`,
      'merge it into its parent first (`platter merge`), then shrink the parent',
    );
  checkVhdxLayout({
    virtualSize: newSize,
    type: m.leaveBlocksAllocated ? 'fixed' : 'dynamic',
    blockSize: m.blockSize,
    logicalSectorSize: m.logicalSectorSize,
    physicalSectorSize: m.physicalSectorSize ?? 4096,
  });
  const after = batGeometry({ ...m, virtualSize: newSize });
  if (after.totalEntries * BAT_ENTRY_SIZE > s.batRegion.length)
    throw refuse(
      image,
      `the block table of ${image.path} has room for ${s.batRegion.length / BAT_ENTRY_SIZE} entries, and ${newSize} bytes need ${after.totalEntries}`,
      'convert the disk to a new VHDX of that size instead: `platter convert` copies it, then resize the copy',
    );
}

export async function resizeVhdxInPlace(image: VhdxImage, newSize: number): Promise<void> {
  checkVhdxResize(image, newSize);
  const s = image.structure;
  const m = s.metadata;
  const oldSize = m.virtualSize;
  const geometry = (size: number) => batGeometry({ ...m, virtualSize: size });
  const [before, after] = [geometry(oldSize), geometry(newSize)];
  const file = await RandomAccessFile.open(image.path, 'r+');
  try {
    // A log an earlier change left is written in first: the pages edited below are read as it leaves them.
    const pending = await pendingLog(file);
    if (pending) await replayLogIntoFile(file, pending);
    const writes = await sizeItemWrites(file, s, newSize);
    const edits: ByteEdit[] = [];
    // Entries coming into use read "not present" (zeros, or the parent); entries falling out of use are cleared.
    // Blocks one by one: a differencing disk's table already has entries for the whole of its last chunk.
    const entryAt = (index: number) => s.batRegion.fileOffset + index * BAT_ENTRY_SIZE;
    const [lo, hi] = [
      Math.min(before.totalEntries, after.totalEntries),
      Math.max(before.totalEntries, after.totalEntries),
    ];
    edits.push({ offset: entryAt(lo), bytes: new Uint8Array((hi - lo) * BAT_ENTRY_SIZE) });
    const blocks = [before.payloadBlocks, after.payloadBlocks].sort((x, y) => x - y);
    for (let block = blocks[0]!; block < blocks[1]!; block++)
      edits.push({ offset: entryAt(payloadEntryIndex(after, block)), bytes: new Uint8Array(BAT_ENTRY_SIZE) });
    let fileSize = file.size;
    if (newSize > oldSize) {
      const space = new NewSpace(await usedEnd(file, s, s.bat, before.payloadBlocks));
      const give = (index: number, state: number, length: number, bytes?: Uint8Array) =>
        edits.push({ offset: entryAt(index), bytes: entryBytes(state, space.take(length, bytes) / MIB) });
      if (m.leaveBlocksAllocated)
        for (let block = before.payloadBlocks; block < after.payloadBlocks; block++)
          give(payloadEntryIndex(after, block), PAYLOAD_STATE.fullyPresent, m.blockSize);
      if (m.hasParent) {
        // Past the parent's end a child's blocks read as zeros of their own: readers (libvhdi) fail a read of the
        // parent past its end. Each new chunk gets its (zeroed) sector bitmap block, as VhdxWriter gives a child.
        for (let block = before.payloadBlocks; block < after.payloadBlocks; block++)
          edits.push({ offset: entryAt(payloadEntryIndex(after, block)), bytes: entryBytes(PAYLOAD_STATE.zero, 0) });
        for (let chunk = before.bitmapBlocks; chunk < after.bitmapBlocks; chunk++)
          give(bitmapEntryIndex(after, chunk), BITMAP_STATE.present, SECTOR_BITMAP_BLOCK_SIZE);
        const tail = await childTail(file, image, oldSize, newSize);
        edits.push(...tail.edits);
        writes.push(...tail.writes);
        if (tail.newBlock)
          give(
            payloadEntryIndex(after, tail.newBlock.block),
            PAYLOAD_STATE.fullyPresent,
            m.blockSize,
            tail.newBlock.bytes,
          );
      } else {
        writes.push(...(await lastBlockTail(file, s, oldSize, newSize)));
      }
      fileSize = await space.write(file);
    }
    writes.push(...(await editWrites(file, edits)));
    await changeThroughLog(file, { writes, fileSize, dataChanged: true });
    if (newSize < oldSize && m.leaveBlocksAllocated) {
      // Nothing names the blocks past the new end any more: the file ends after the last one kept.
      const end = await usedEnd(file, s, s.bat, after.payloadBlocks);
      if (end < file.size) {
        await file.truncate(end);
        await file.sync();
      }
    }
  } finally {
    await file.close();
  }
}

/**
 * The file space a grow gives new blocks, past everything the file holds (so a grow killed before its update
 * and run again takes the same space). It is written before the update names it: zeros, or a block's bytes
 * where one is given, flushed.
 */
class NewSpace {
  private readonly given: { at: number; bytes: Uint8Array | undefined }[] = [];
  private end: number;

  constructor(private readonly start: number) {
    this.end = start;
  }

  take(length: number, bytes?: Uint8Array): number {
    const at = this.end;
    this.given.push({ at, bytes });
    this.end += length;
    return at;
  }

  /** Writes the space and returns the file's length afterwards. */
  async write(file: RandomAccessFile): Promise<number> {
    if (this.end === this.start) return file.size;
    // Bytes already in the file there (a grow cut short, a file longer than its blocks) are zeroed first.
    const zeros = new Uint8Array(MIB);
    for (let at = this.start; at < Math.min(file.size, this.end); at += MIB) await file.write(zeros, at);
    if (file.size < this.end) await file.truncate(this.end);
    for (const { at, bytes } of this.given) if (bytes) await file.write(bytes, at);
    await file.sync();
    return file.size;
  }
}

async function sizeItemWrites(file: RandomAccessFile, s: VhdxStructure, newSize: number) {
  const table = parseMetadataTable(
    await file.readAt(s.metadataRegion.fileOffset, METADATA_TABLE_SIZE),
    s.metadataRegion.length,
  );
  const sizeItem = table.find((e) => e.itemId === METADATA_GUID.virtualDiskSize)!;
  return pageWrites(file, s.metadataRegion.fileOffset + sizeItem.offset, serializeVirtualDiskSize(newSize));
}

/** Growing into the rest of a last block the file holds whole: what lay past the old end must read as zeros. */
async function lastBlockTail(file: RandomAccessFile, s: VhdxStructure, oldSize: number, newSize: number) {
  const { blockSize } = s.metadata;
  const last = Math.floor((oldSize - 1) / blockSize);
  const tail = (last + 1) * blockSize - oldSize;
  if (tail === 0 || s.bat.payloadState[last] !== PAYLOAD_STATE.fullyPresent) return [];
  const at = s.bat.payloadOffsetMiB[last]! * MIB + (oldSize - last * blockSize);
  return zeroWrites(file, at, Math.min(tail, newSize - oldSize));
}

interface ChildTail {
  readonly edits: ByteEdit[];
  readonly writes: LogWrite[];
  /** The last block, to be given space of its own holding `bytes`. */
  readonly newBlock?: { block: number; bytes: Uint8Array };
}

/**
 * A child's last block, when the old end falls inside it: the part past the old end must read as zeros, not from
 * the parent (which ends there). Held whole, that part is zeroed; held in part, its sectors are marked held and
 * zeroed; left to the parent, the block gets space of its own holding the parent's bytes and then zeros.
 */
async function childTail(
  file: RandomAccessFile,
  image: VhdxImage,
  oldSize: number,
  newSize: number,
): Promise<ChildTail> {
  const s = image.structure;
  const { blockSize, logicalSectorSize: sector } = s.metadata;
  const last = Math.floor((oldSize - 1) / blockSize);
  const start = last * blockSize;
  const end = Math.min(start + blockSize, newSize);
  if (oldSize === start + blockSize) return { edits: [], writes: [] };
  switch (s.bat.payloadState[last]) {
    case PAYLOAD_STATE.fullyPresent:
      return { edits: [], writes: await lastBlockTail(file, s, oldSize, newSize) };
    case PAYLOAD_STATE.partiallyPresent: {
      const chunk = Math.floor(last / s.geometry.chunkRatio);
      const sectorsPerBlock = blockSize / sector;
      const bitmapAt = s.bat.bitmapOffsetMiB[chunk]! * MIB + (last % s.geometry.chunkRatio) * (sectorsPerBlock / 8);
      const [first, stop] = [(oldSize - start) / sector, (end - start) / sector];
      const [from, to] = [Math.floor(first / 8), Math.ceil(stop / 8)];
      const bytes = (await file.readAt(bitmapAt + from, to - from)).slice();
      for (let bit = first; bit < stop; bit++) bytes[(bit >> 3) - from] = bytes[(bit >> 3) - from]! | (1 << (bit & 7));
      const dataAt = s.bat.payloadOffsetMiB[last]! * MIB + (oldSize - start);
      return { edits: [{ offset: bitmapAt + from, bytes }], writes: await zeroWrites(file, dataAt, end - oldSize) };
    }
    case PAYLOAD_STATE.zero:
    case PAYLOAD_STATE.unmapped:
      return { edits: [], writes: [] };
    default: {
      const bytes = new Uint8Array(blockSize);
      await image.read(bytes.subarray(0, oldSize - start), start);
      return { edits: [], writes: [], newBlock: { block: last, bytes } };
    }
  }
}

/** Resizing a VHDX: every change through its log (the type from its file parameters). */
export const vhdxResizing: Resizing = {
  check(disk, newSize) {
    if (!(disk instanceof VhdxImage)) throw new TypeError(`${disk.path} was not opened as a VHDX`);
    const m = disk.structure.metadata;
    // Refused before a shrink's look at the tail: a differencing disk only grows.
    if (newSize !== disk.virtualSize) checkVhdxResize(disk, newSize);
    return m.hasParent ? 'differencing' : m.leaveBlocksAllocated ? 'fixed' : 'dynamic';
  },
  async resize(disk, newSize) {
    await resizeVhdxInPlace(disk as VhdxImage, newSize);
    return 'in place';
  },
};
