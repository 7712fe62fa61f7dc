import { PlatterError } from '../errors';
import { UNALLOCATED } from '../format/bat';
import { setSectors } from '../format/bitmap';
import { SECTOR, view } from '../format/fields';
import { serializeFooter } from '../format/footer';
import { detectFormat } from '../image/open-image';
import { RandomAccessFile } from '../image/random-access-file';
import { readVhdStructure } from '../image/vhd-structure';
import type { VhdStructure } from '../image/vhd-structure';

/**
 * Writes virtual-disk bytes into an existing VHD in place (merge). New blocks are appended in the order that keeps
 * every moment consistent: the footer is first written past the new block, then the block over the old footer,
 * and the BAT entry last, so a kill leaves at worst an unused block, never a BAT entry pointing at nothing.
 */
export class InPlaceVhdWriter {
  private readonly bitmaps = new Map<number, Uint8Array>();
  private end: number;

  private constructor(
    readonly file: RandomAccessFile,
    readonly structure: VhdStructure,
  ) {
    this.end = file.size - structure.endFooterLength;
  }

  static async open(path: string): Promise<InPlaceVhdWriter> {
    const file = await RandomAccessFile.open(path, 'r+');
    try {
      if ((await detectFormat(file)) !== 'vhd')
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

  private async allocate(block: number): Promise<number> {
    const { header, footer, bitmapSize } = this.structure;
    const at = this.end;
    const next = at + bitmapSize + header!.blockSize;
    await this.file.write(serializeFooter(footer), next);
    // Dynamic: unwritten sectors of a new block read as zeros (the data area is a hole). Differencing: they keep
    // reading the parent until marked.
    const bitmap = new Uint8Array(bitmapSize).fill(footer.diskType === 'dynamic' ? 0xff : 0);
    await this.file.write(bitmap, at);
    if (footer.diskType === 'differencing') this.bitmaps.set(block, bitmap);
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
