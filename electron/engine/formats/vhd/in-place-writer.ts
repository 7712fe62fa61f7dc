import { PlatterError } from '../../errors';
import { UNALLOCATED } from './bat';
import { setSectors } from './bitmap';
import { SECTOR, alignUp, view } from '../fields';
import { serializeFooter } from './footer';
import { probeVhd } from './probe';
import { RandomAccessFile } from '../../io/random-access-file';
import { blocksEnd, metadataRegions } from './vhd-blocks';
import { readVhdStructure } from './vhd-structure';
import { changeUnderUndo } from '../../io/undo-journal';
import type { VhdStructure } from './vhd-structure';

/**
 * Writes virtual-disk bytes into an existing VHD in place (merge). New blocks are appended in the order that keeps
 * every moment consistent: the footer is first written past the new block, then the block over the old footer,
 * and the BAT entry last, so a kill leaves at worst an unused block, never a BAT entry pointing at nothing.
 */
export class InPlaceVhdWriter {
  private readonly bitmaps = new Map<number, Uint8Array>();
  private end: number;
  /**
   * Copy on write: a block the image held before is copied to a new place at the end before it is written, so the
   * old block is never changed, and putting back the BAT, the footer and the length undoes everything (merge).
   */
  private copyOnWrite = false;
  private readonly moved = new Set<number>();

  private constructor(
    readonly file: RandomAccessFile,
    readonly structure: VhdStructure,
  ) {
    this.end = file.size - structure.endFooterLength;
    const { header, bat, footer, bitmapSize, virtualSize } = structure;
    if (header && bat) {
      // A block a killed run appended but never entered in the BAT lies unused before the footer: reuse its place.
      const entries = { tableOffset: header.tableOffset, entries: bat.length };
      const regions = metadataRegions(footer.dataOffset!, entries, header.locators, file.size);
      const used = Math.max(
        ...regions.map((r) => r.end),
        blocksEnd(bat, { blockSize: header.blockSize, bitmapSize, virtualSize }),
      );
      this.end = Math.min(this.end, alignUp(used, SECTOR));
    }
  }

  static async open(path: string): Promise<InPlaceVhdWriter> {
    const file = await RandomAccessFile.open(path, 'r+');
    try {
      if (!(await probeVhd(file)))
        throw new PlatterError('UNSUPPORTED', `${path} is not a VHD`, 'only VHD images can be written in place');
      const structure = await readVhdStructure(file);
      if (structure.footerSource !== 'end' || structure.endFooterLength !== 512) {
        throw new PlatterError(
          'VHD_BAD_FOOTER',
          `the footer at the end of ${path} is damaged`,
          'repair it first with `platter check --repair`',
        );
      }
      return new InPlaceVhdWriter(file, structure);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /**
   * From now on, blocks are written copy on write, and the whole change runs under an undo journal of the BAT,
   * the footer and the file's length, which is all it overwrites: the caller's `change` either completes or the
   * image is put back exactly (an error at once, a kill by the next open).
   */
  async undoable(operation: string, change: () => Promise<void>): Promise<void> {
    const { header, bat } = this.structure;
    if (!header || !bat) throw new Error('copy on write needs a dynamic or differencing VHD');
    this.copyOnWrite = true;
    const ranges: [number, number][] = [
      [header.tableOffset, bat.length * 4],
      [0, SECTOR],
      [this.end, this.file.size - this.end],
    ];
    await changeUnderUndo(this.file, operation, ranges, change);
  }

  /** Writes `data` at virtual position `position` (both whole sectors). */
  async write(position: number, data: Uint8Array): Promise<void> {
    const { bat, header } = this.structure;
    if (!bat || !header) return this.file.write(data, position);
    const blockSize = header.blockSize;
    for (let done = 0; done < data.length;) {
      const pos = position + done;
      const block = Math.floor(pos / blockSize);
      const inBlock = pos - block * blockSize;
      const n = Math.min(blockSize - inBlock, data.length - done);
      if (this.copyOnWrite && bat[block] !== UNALLOCATED && !this.moved.has(block)) await this.relocate(block);
      const start = (bat[block] === UNALLOCATED ? await this.allocate(block) : bat[block]!) * SECTOR;
      await this.file.write(data.subarray(done, done + n), start + this.structure.bitmapSize + inBlock);
      // A differencing disk reads its parent where a bit is clear: mark what now lives here, after the data.
      if (this.structure.footer.diskType === 'differencing')
        await this.markSectors(block, start, inBlock / SECTOR, n / SECTOR);
      done += n;
    }
  }

  private async markSectors(block: number, blockStart: number, first: number, count: number): Promise<void> {
    let bitmap = this.bitmaps.get(block);
    if (!bitmap) {
      bitmap = await this.file.readAt(blockStart, this.structure.bitmapSize);
      this.bitmaps.set(block, bitmap);
    }
    setSectors(bitmap, first, count);
    const from = Math.floor(first / 8 / SECTOR) * SECTOR;
    const to = Math.ceil((first + count) / 8 / SECTOR) * SECTOR;
    await this.file.write(bitmap.subarray(from, to), blockStart + from);
  }

  /** Copies an existing block (bitmap and data) to a new place at the end and points the BAT at the copy. */
  private async relocate(block: number): Promise<void> {
    const { bitmapSize, header } = this.structure;
    const from = this.structure.bat![block]! * SECTOR;
    const length = bitmapSize + header!.blockSize;
    const copy = await this.file.readAt(from, Math.min(length, this.file.size - from));
    // The data first, past the footer; allocate then moves the footer and writes the bitmap and the BAT entry.
    await this.file.write(copy.subarray(bitmapSize), this.end + bitmapSize);
    this.structure.bat![block] = UNALLOCATED;
    this.bitmaps.delete(block);
    await this.allocate(block, copy.subarray(0, bitmapSize));
    this.moved.add(block);
  }

  private async allocate(block: number, bitmapOf: Uint8Array | null = null): Promise<number> {
    const { header, footer, bitmapSize } = this.structure;
    const at = this.end;
    const next = at + bitmapSize + header!.blockSize;
    await this.file.write(serializeFooter(footer), next);
    // Dynamic: unwritten sectors of a new block read as zeros (the data area is a hole). Differencing: they keep
    // reading the parent until marked.
    const bitmap = bitmapOf ?? new Uint8Array(bitmapSize).fill(footer.diskType === 'dynamic' ? 0xff : 0);
    await this.file.write(bitmap, at);
    if (footer.diskType === 'differencing') this.bitmaps.set(block, bitmap.slice());
    const entry = new Uint8Array(4);
    view(entry).setUint32(0, at / SECTOR);
    await this.file.write(entry, header!.tableOffset + block * 4);
    this.structure.bat![block] = at / SECTOR;
    this.end = next;
    return at / SECTOR;
  }

  async sync(): Promise<void> {
    await this.file.sync();
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
