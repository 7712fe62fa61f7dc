// Resizing a VHD: a fixed disk's footer moves; a dynamic or differencing disk's BAT, header and both footer copies
// change together under an undo journal where the BAT has room, else the disk is written anew and renamed over
// (docs/chains-merge-resize.md).
import { stat } from 'node:fs/promises';
import { PlatterError } from '../../errors';
import { UNALLOCATED } from './bat';
import { DYNAMIC_HEADER_SIZE, serializeDynamicHeader } from './dynamic-header';
import { SECTOR, alignUp } from '../fields';
import { FOOTER_SIZE, serializeFooter } from './footer';
import type { Footer } from './footer';
import { geometryForSectors } from './geometry';
import type { DiskImage } from '../../image/disk-image';
import { RandomAccessFile } from '../../io/random-access-file';
import { blocksEnd, metadataRegions } from './vhd-blocks';
import { VhdImage } from './vhd-image';
import type { VhdStructure } from './vhd-structure';
import { CREATOR, checkVirtualSize } from './new-vhd';
import { writeNewFile } from '../../io/output-file';
import { rewriteSparse } from '../../ops/sparse-rewrite';
import { changeUnderUndo } from '../../io/undo-journal';
import type { Resizing } from '../driver';

function asVhd(image: DiskImage): VhdImage {
  if (!(image instanceof VhdImage)) throw new TypeError(`${image.path} was not opened as a VHD`);
  return image;
}

export const vhdResizing: Resizing = {
  check(disk, newSize) {
    const image = asVhd(disk);
    checkVirtualSize(newSize);
    if (image.structure.footerSource !== 'end')
      throw new PlatterError(
        'VHD_BAD_FOOTER',
        `the footer at the end of ${image.path} is damaged`,
        'repair it first with `platter check --repair`',
      );
    return image.structure.footer.diskType;
  },
  async resize(disk, newSize, control, release) {
    const image = asVhd(disk);
    const s = image.structure;
    const path = image.path;
    const footer = resizedFooter(s.footer, newSize);
    if (!s.header || !s.bat) {
      await resizeFixed(path, s, image.virtualSize, newSize, footer);
      return 'in place';
    }
    const entries = Math.ceil(newSize / s.header.blockSize);
    if (entries <= (await batCapacity(path, s))) {
      await resizeSparseInPlace(path, s, entries, footer);
      return 'in place';
    }
    const mode = (await stat(path)).mode & 0o7777;
    await writeNewFile(
      path,
      control.signal,
      async (file) => {
        await rewriteSparse(file, image, control, { dropZeroBlocks: false, phase: 'resizing', footer });
        await release(); // Windows cannot replace a file that is still open
      },
      { replace: true, mode },
    );
    return 'rewritten';
  },
};

/**
 * The footer of the resized disk: size and geometry by the creation rules (docs/created-images.md). The original
 * size follows too, since libvhdi reads the disk size from that field.
 */
function resizedFooter(footer: Footer, size: number): Footer {
  return {
    ...footer,
    currentSize: size,
    originalSize: size,
    geometry: geometryForSectors(size / SECTOR),
    creatorApp: CREATOR.app,
    creatorVersion: CREATOR.version,
    creatorHostOs: CREATOR.hostOs,
  };
}

async function resizeFixed(
  path: string,
  s: VhdStructure,
  oldSize: number,
  newSize: number,
  footer: Footer,
): Promise<void> {
  const file = await RandomAccessFile.open(path, 'r+');
  try {
    const dataEnd = file.size - s.endFooterLength;
    // What the change overwrites or cuts off: past the old size only the footer (and whatever a geometry-sized
    // disk kept there), and, shrinking, the sector the new footer goes to (a shrunk tail was checked to be zeros,
    // but a roll-back that lengthens the file again must not find the new footer there).
    const ranges: [number, number][] = [
      [oldSize, file.size - oldSize],
      [newSize, FOOTER_SIZE],
    ];
    await changeUnderUndo(file, 'resize', ranges, async () => {
      if (newSize > oldSize) {
        // Bytes past the old size (the old footer, anything a geometry-sized disk kept) become disk: zero them.
        await file.truncate(Math.min(oldSize, dataEnd));
      }
      await file.truncate(newSize);
      await file.write(serializeFooter(footer), newSize);
    });
  } finally {
    await file.close();
  }
}

/** How many BAT entries fit before the first thing that follows the table. */
async function batCapacity(path: string, s: VhdStructure): Promise<number> {
  const header = s.header!;
  const size = (await stat(path)).size;
  let next = size - s.endFooterLength;
  for (const entry of s.bat!)
    if (entry !== UNALLOCATED && entry * SECTOR > header.tableOffset) next = Math.min(next, entry * SECTOR);
  for (const l of header.locators)
    if (l.platformCode !== 0 && l.dataOffset > header.tableOffset) next = Math.min(next, l.dataOffset);
  if (s.footer.dataOffset! > header.tableOffset) next = Math.min(next, s.footer.dataOffset!);
  return Math.floor((next - header.tableOffset) / 4);
}

/**
 * Changes the size where the BAT has room: the new BAT entries (unallocated; a shrink blanks the entries past the
 * new end), the header's entry count, and both footer copies, under an undo journal of all of them, since readers
 * differ in which footer copy they go by (qemu-img the one at the start, libvhdi and Platter the one at the end).
 */
async function resizeSparseInPlace(path: string, s: VhdStructure, entries: number, footer: Footer): Promise<void> {
  const header = s.header!;
  const file = await RandomAccessFile.open(path, 'r+');
  try {
    // The entries the disk uses: a header may declare more than that (a VHD_BAT_LENGTH warning), and whatever
    // lies past the used ones may be block data, never table.
    const used = s.bat!.length;
    const from = Math.min(entries, used);
    const table = new Uint8Array(Math.abs(entries - used) * 4).fill(0xff);
    const tableAt = header.tableOffset + from * 4;
    const headerAt = s.footer.dataOffset!;
    let endFooterAt = file.size - FOOTER_SIZE;
    // Shrinking: blocks past the new end are dropped from the table, and from the file where nothing follows them.
    const cut = entries < used ? dataEndWith(s, s.bat!.subarray(0, entries), file.size) : endFooterAt;
    const ranges: [number, number][] = [
      [tableAt, table.length],
      [headerAt, DYNAMIC_HEADER_SIZE],
      [0, FOOTER_SIZE],
      [endFooterAt, FOOTER_SIZE],
    ];
    const cutAt = cut < endFooterAt ? cut : undefined;
    await changeUnderUndo(
      file,
      'resize',
      ranges,
      async () => {
        await file.write(table, tableAt);
        await file.write(serializeDynamicHeader({ ...header, maxTableEntries: entries }), headerAt);
        if (cutAt !== undefined) {
          endFooterAt = cutAt;
          await file.truncate(cutAt);
        }
        await file.write(serializeFooter(footer), endFooterAt);
        await file.write(serializeFooter(footer), 0);
      },
      cutAt,
    );
  } finally {
    await file.close();
  }
}

/** Where the disk's structures and the blocks of `bat` end: past it the file holds only the footer, or unused space. */
function dataEndWith(s: VhdStructure, bat: Uint32Array, fileSize: number): number {
  const header = s.header!;
  const regions = metadataRegions(
    s.footer.dataOffset!,
    { tableOffset: header.tableOffset, entries: header.maxTableEntries },
    header.locators,
    fileSize,
  );
  const geometry = { blockSize: header.blockSize, bitmapSize: s.bitmapSize, virtualSize: s.virtualSize };
  return alignUp(Math.max(...regions.map((r) => r.end), blocksEnd(bat, geometry)), SECTOR);
}
