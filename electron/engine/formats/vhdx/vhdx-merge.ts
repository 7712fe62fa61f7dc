// Writes a differencing VHDX child into its VHDX parent (fixed, dynamic, or itself differencing). Blocks the parent
// holds whole are written in place; a block it holds in part (its sector bitmap saying which sectors) is written
// whole in its own space, as the child reads it, and then named fully present; blocks it does not hold get new
// space at the end of the file, written whole (the child's sectors, and the rest as the parent read there: its own
// parent's data, or zeros), flushed before the block table names them. The table entries change through the
// parent's log (log-update.ts), a batch at a time. So at any moment the parent is a valid VHDX (after any
// reader's log replay) reading as before or with part of the child's changes, and the child, which overrides
// every sector written, still reads as before: running the merge again completes it.
import { PlatterError, throwIfAborted } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { RandomAccessFile } from '../../io/random-access-file';
import { pageAlignedBuffer } from '../../io/native-addon';
import { progressReporter } from '../../ops/progress';
import type { JobControl } from '../../ops/progress';
import { alignUp } from '../fields';
import { BAT_ENTRY_SIZE, PAYLOAD_STATE, payloadEntryIndex, writeBatEntry } from './bat';
import { MIB } from './fields';
import { LOG_SECTOR } from './log';
import type { LogWrite } from './log';
import { changeThroughLog } from './log-update';
import { pendingLog, replayLogIntoFile } from './repair-log';
import { VhdxImage } from './vhdx-image';

/** Block-table pages changed per logged update: well inside the 1 MiB log every VHDX has. */
const PAGES_PER_UPDATE = 64;
/** Bytes copied at a time. */
const PIECE = MIB;

/**
 * Byte ranges of [start, end) the child holds itself (its own data, or zeros it records), in order. `states` are
 * the child's block states, worked out once for the whole merge.
 */
function heldRuns(child: VhdxImage, states: readonly string[], start: number, end: number): [number, number][] {
  const size = child.blockSize;
  const runs: [number, number][] = [];
  for (let block = Math.floor(start / size); block * size < end; block++) {
    if (states[block] === 'parent') continue;
    const from = Math.max(start, block * size);
    const to = Math.min(end, (block + 1) * size);
    const last = runs[runs.length - 1];
    if (last && last[1] === from) last[1] = to;
    else runs.push([from, to]);
  }
  return runs;
}

/** The merge's writes into the parent's file, and the block table entries it changes. */
class ParentWriter {
  /** New block table entries by their file offset, not yet logged. */
  private readonly entries = new Map<number, Uint8Array>();
  private end: number;
  private readonly buffer = pageAlignedBuffer(PIECE);

  constructor(
    private readonly file: RandomAccessFile,
    private readonly parent: VhdxImage,
    private readonly child: VhdxImage,
  ) {
    this.end = alignUp(file.size, MIB);
  }

  /** Copies [from, to) of the child's view into the parent's file at `at`. */
  async copy(from: number, to: number, at: number, control: JobControl): Promise<void> {
    for (let pos = from; pos < to; pos += PIECE) {
      throwIfAborted(control.signal);
      const piece = this.buffer.subarray(0, Math.min(PIECE, to - pos));
      await this.child.read(piece, pos);
      await this.file.write(piece, at + (pos - from));
    }
  }

  /**
   * Writes block `block` whole at `at`: the child's view, and past the child's end (a parent larger than its
   * child) the parent's own view.
   */
  async copyWhole(block: number, at: number, control: JobControl): Promise<void> {
    const size = this.parent.blockSize;
    const start = block * size;
    const childEnd = Math.min(start + size, this.child.virtualSize);
    await this.copy(start, childEnd, at, control);
    const end = Math.min(start + size, this.parent.virtualSize);
    for (let pos = childEnd; pos < end; pos += PIECE) {
      const piece = this.buffer.subarray(0, Math.min(PIECE, end - pos));
      await this.parent.read(piece, pos);
      await this.file.write(piece, at + (pos - start));
    }
  }

  /** Gives block `block` new space at the end of the file (named by the table at the next commit); its offset. */
  allocate(block: number): number {
    const at = this.end;
    this.end += this.parent.blockSize;
    this.name(block, at);
    return at;
  }

  /** Names block `block` fully present at `at` at the next commit. */
  name(block: number, at: number): void {
    const entry = new Uint8Array(BAT_ENTRY_SIZE);
    writeBatEntry(new DataView(entry.buffer), 0, { state: PAYLOAD_STATE.fullyPresent, fileOffsetMiB: at / MIB });
    const s = this.parent.structure;
    this.entries.set(s.batRegion.fileOffset + payloadEntryIndex(s.geometry, block) * BAT_ENTRY_SIZE, entry);
  }

  /** Block table pages the next commit writes. */
  get pagesChanged(): number {
    return new Set([...this.entries.keys()].map((offset) => Math.floor(offset / LOG_SECTOR))).size;
  }

  /** Flushes the copied data, then points the block table at the new blocks through the log. */
  async commit(): Promise<void> {
    if (this.entries.size === 0) return;
    const pages = new Map<number, Uint8Array>();
    for (const [offset, entry] of this.entries) {
      const page = Math.floor(offset / LOG_SECTOR) * LOG_SECTOR;
      let bytes = pages.get(page);
      if (!bytes) pages.set(page, (bytes = (await this.file.readAt(page, LOG_SECTOR)).slice()));
      bytes.set(entry, offset - page);
    }
    if (this.file.size < this.end) await this.file.truncate(this.end);
    await this.file.sync();
    const writes: LogWrite[] = [...pages].map(([offset, data]) => ({ offset, data }));
    await changeThroughLog(this.file, { writes, dataChanged: false });
    this.entries.clear();
  }
}

export async function mergeVhdxChild(child: DiskImage, control: JobControl): Promise<number> {
  if (!(child instanceof VhdxImage)) throw new TypeError('mergeVhdxChild takes a VHDX');
  const parent = child.parent;
  if (!(parent instanceof VhdxImage))
    throw new PlatterError(
      'UNSUPPORTED',
      `the parent of ${child.path} is not a VHDX, and a merge writes the child into a parent of its own format`,
      `write the child out as a disk of its own instead: \`platter convert ${child.path} merged.vhdx\``,
    );
  if (parent.virtualSize < child.virtualSize)
    throw new PlatterError(
      'BAD_SIZE',
      `the parent ${parent.path} is smaller than its child`,
      'resize the parent to the child’s size first',
    );
  const file = await RandomAccessFile.open(parent.path, 'r+', 'claim');
  try {
    // A log an earlier change left is written in first: the block positions below are read as it leaves them.
    const pending = await pendingLog(file);
    if (pending) await replayLogIntoFile(file, pending);
    const writer = new ParentWriter(file, parent, child);
    const { payloadState, payloadOffsetMiB } = parent.structure.bat;
    const size = parent.blockSize;
    const blocks = Math.ceil(child.virtualSize / size);
    const progress = progressReporter(control, 'merging', child.virtualSize);
    const states = child.blockStates();
    let merged = 0;
    for (let block = 0; block < blocks; block++) {
      const start = block * size;
      const end = Math.min(start + size, child.virtualSize);
      const runs = heldRuns(child, states, start, end);
      if (runs.length > 0) {
        merged++;
        const at = payloadOffsetMiB[block]! * MIB;
        if (payloadState[block] === PAYLOAD_STATE.fullyPresent) {
          for (const [from, to] of runs) await writer.copy(from, to, at + (from - start), control);
        } else if (payloadState[block] === PAYLOAD_STATE.partiallyPresent) {
          // Written whole in its own space: the sectors the bitmap marks get the bytes they read already (or the
          // child's), the others are read by no one until the table names the block fully present.
          await writer.copyWhole(block, at, control);
          writer.name(block, at);
        } else {
          // The rest of a new block reads as the parent did there (its own parent's data, or zeros).
          await writer.copyWhole(block, writer.allocate(block), control);
        }
        if (writer.pagesChanged >= PAGES_PER_UPDATE) await writer.commit();
      }
      progress.add(end - start);
    }
    await writer.commit();
    await file.sync();
    progress.finish();
    return merged;
  } finally {
    await file.close();
  }
}
