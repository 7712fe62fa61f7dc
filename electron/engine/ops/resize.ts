import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { UNALLOCATED } from '../formats/vhd/bat';
import { DYNAMIC_HEADER_SIZE, serializeDynamicHeader } from '../formats/vhd/dynamic-header';
import { SECTOR, alignUp } from '../formats/fields';
import { FOOTER_SIZE, serializeFooter } from '../formats/vhd/footer';
import type { DiskType, Footer } from '../formats/vhd/footer';
import { geometryForSectors } from '../formats/vhd/geometry';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import { RandomAccessFile } from '../io/random-access-file';
import { blocksEnd, metadataRegions } from '../formats/vhd/vhd-blocks';
import { VhdImage } from '../formats/vhd/vhd-image';
import { VhdxImage } from '../formats/vhdx/vhdx-image';
import type { VhdStructure } from '../formats/vhd/vhd-structure';
import { pumpContent } from './content-pump';
import { CREATOR, checkVirtualSize } from '../formats/vhd/new-vhd';
import { writeNewFile } from '../io/output-file';
import type { JobControl } from './progress';
import { checkVhdxResize, resizeVhdxInPlace } from '../formats/vhdx/resize-vhdx';
import { rewriteSparse } from './sparse-rewrite';
import { changeUnderUndo, rollBack } from '../io/undo-journal';

export interface ResizeOptions {
  readonly path: string;
  readonly size: number;
}

export interface ResizeResult {
  readonly path: string;
  readonly diskType: DiskType;
  readonly oldSize: number;
  readonly newSize: number;
  /** How it was done: in place, or by writing the file anew (a dynamic disk whose BAT had no room). */
  readonly method: 'unchanged' | 'in place' | 'rewritten';
  /** The name of an interrupted earlier operation that was rolled back first, if any. */
  readonly rolledBack: string | null;
}

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

/** Throws unless everything the disk holds past `from` reads as zeros. */
async function checkTailIsZero(image: DiskImage, from: number, control: JobControl): Promise<void> {
  // The pump emits only runs holding a non-zero byte: the first one is data the shrink would cut off.
  await pumpContent(
    image,
    (data, position) => {
      const at = position + data.findIndex((b) => b !== 0);
      throw new PlatterError(
        'SHRINK_LOSES_DATA',
        `${image.path} holds data at byte ${at}, past the new end at ${from}; nothing was changed`,
        'choose a size that keeps all the data (shrink the partitions inside the disk first)',
        { path: image.path, offset: at },
      );
    },
    { ...(control.signal && { signal: control.signal }), phase: 'checking the end of the disk', from },
  );
}

/**
 * Grows or shrinks a fixed, dynamic or differencing VHD. Shrinking is refused, changing nothing, when data would
 * be cut. The image is claimed before it is first read, so no write another program makes meanwhile is lost. In
 * place, it changes under an undo journal of every byte it overwrites (a fixed disk's only footer moves; a dynamic
 * disk's header and two footer copies must change together): an error restores it before returning, a kill is
 * rolled back by the next open. A dynamic disk whose BAT has no room is written anew and renamed into place.
 */
export async function resizeImage(options: ResizeOptions, control: JobControl = {}): Promise<ResizeResult> {
  const path = resolve(options.path);
  const rolledBack = await rollBack(path);
  const image = await openImage(path, { claim: true });
  let closed = false;
  try {
    if (image instanceof VhdxImage) return await resizeVhdx(image, options.size, rolledBack, control);
    if (!(image instanceof VhdImage))
      throw new PlatterError('UNSUPPORTED', `${path} is not a VHD`, 'resize works on VHD images');
    checkVirtualSize(options.size);
    const s = image.structure;
    if (s.footerSource !== 'end')
      throw new PlatterError(
        'VHD_BAD_FOOTER',
        `the footer at the end of ${path} is damaged`,
        'repair it first with `platter check --repair`',
      );
    return await resizeWith(image, options.size, s.footer.diskType, rolledBack, control, async (newSize) => {
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
          await image.close();
          closed = true;
        },
        { replace: true, mode },
      );
      return 'rewritten';
    });
  } finally {
    if (!closed) await image.close();
  }
}

/**
 * What every resize does around the change itself: nothing when the size is the same, the check that a shrink
 * cuts off only zeros, and the result.
 */
async function resizeWith(
  image: DiskImage,
  newSize: number,
  diskType: DiskType,
  rolledBack: string | null,
  control: JobControl,
  change: (newSize: number) => Promise<ResizeResult['method']>,
): Promise<ResizeResult> {
  const base = { path: image.path, diskType, oldSize: image.virtualSize, newSize, rolledBack };
  if (newSize === image.virtualSize) return { ...base, method: 'unchanged' };
  if (newSize < image.virtualSize) await checkTailIsZero(image, newSize, control);
  return { ...base, method: await change(newSize) };
}

function resizeVhdx(
  image: VhdxImage,
  newSize: number,
  rolledBack: string | null,
  control: JobControl,
): Promise<ResizeResult> {
  const m = image.structure.metadata;
  const diskType = m.hasParent ? 'differencing' : m.leaveBlocksAllocated ? 'fixed' : 'dynamic';
  // Refused before a shrink's look at the tail: a differencing disk only grows.
  if (newSize !== image.virtualSize) checkVhdxResize(image, newSize);
  return resizeWith(image, newSize, diskType, rolledBack, control, async () => {
    await resizeVhdxInPlace(image, newSize);
    return 'in place';
  });
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
