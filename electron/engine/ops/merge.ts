import { readdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PlatterError, fromFsError, throwIfAborted } from '../errors';
import { UNALLOCATED } from '../formats/vhd/bat';
import { sectorRuns } from '../formats/vhd/bitmap';
import { SECTOR } from '../formats/fields';
import { openImage } from '../image/open-image';
import { probeVhd } from '../formats/vhd/probe';
import { RandomAccessFile } from '../io/random-access-file';
import { VhdImage } from '../formats/vhd/vhd-image';
import { readVhdStructure } from '../formats/vhd/vhd-structure';
import { PUMP_CHUNK } from './content-pump';
import { InPlaceVhdWriter } from '../formats/vhd/in-place-writer';
import { progressReporter } from './progress';
import type { JobControl } from './progress';

export interface MergeOptions {
  readonly child: string;
  /** Keep the child file after merging (it then reads exactly as its parent). Default: remove it. */
  readonly keepChild?: boolean;
}

export interface MergeResult {
  readonly child: string;
  readonly parent: string;
  readonly mergedBlocks: number;
  readonly childRemoved: boolean;
  readonly warnings: readonly string[];
}

/** Folder entries looked at when searching for other children: a guard against a huge tree, not a real limit. */
const MAX_SCANNED = 5000;

/**
 * The folders other children of a parent are usually in: the child's and the parent's own, their subfolders (one
 * per VM, beside a shared base), and the child's sibling folders. Children anywhere else cannot be found.
 */
async function nearbyFolders(childPath: string, parentPath: string): Promise<string[]> {
  const subfolders = async (folder: string) =>
    (await readdir(folder, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .slice(0, MAX_SCANNED)
      .map((e) => join(folder, e.name));
  const own = [dirname(childPath), dirname(parentPath)];
  const around = [...(await subfolders(dirname(parentPath))), ...(await subfolders(dirname(dirname(childPath))))];
  return [...new Set([...own, ...around])];
}

/** Differencing VHDs in `folders` whose parent UUID is `uuid` (skipping `except`). */
async function childrenOf(folders: readonly string[], uuid: string, except: string): Promise<string[]> {
  const found: string[] = [];
  let scanned = 0;
  for (const folder of folders) {
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (++scanned > MAX_SCANNED) return found;
      if (!/\.vhd$/i.test(name)) continue;
      const path = join(folder, name);
      if (path === except) continue;
      const file = await RandomAccessFile.open(path).catch(() => null);
      if (!file) continue;
      try {
        if (!(await probeVhd(file))) continue;
        const s = await readVhdStructure(file);
        if (s.header && s.footer.diskType === 'differencing' && s.header.parentUuid === uuid) found.push(path);
      } catch {
        // Unreadable neighbours are not ours to judge here.
      } finally {
        await file.close();
      }
    }
  }
  return found;
}

/** A merge that stopped part-way: what the two files hold now, and that running it again finishes it. */
function stoppedPartWay(err: unknown, childPath: string, parentPath: string): PlatterError {
  const cause = fromFsError(err, parentPath);
  // Put back as it was (the undo journal did it), or not begun: nothing is part-merged.
  if (cause.code === 'CANCELLED' || cause.code === 'IN_USE' || cause.details.restored === true) return cause;
  return new PlatterError(
    cause.code,
    `the merge stopped part-way (${cause.message}): ${parentPath} holds part of the changes of ${childPath}, which is intact, so together they still read as the child did`,
    `fix the cause${cause.code === 'NO_SPACE' ? ' (free some space, but keep the child)' : ''}, then run the same merge again to finish it`,
    { ...cause.details, path: parentPath },
  );
}

/**
 * Writes a differencing child's sectors into its parent, so the parent reads as the child did, then removes the
 * child unless asked to keep it. The child's own view never changes while this runs (it overrides every sector it
 * writes), so a kill leaves the child intact and the parent partly merged; running the merge again completes it.
 */
export async function mergeImage(options: MergeOptions, control: JobControl = {}): Promise<MergeResult> {
  const childPath = resolve(options.child);
  // The child is read and then removed: claimed like an image changed in place, so no VM may be using it.
  const claim = await RandomAccessFile.open(childPath, 'r', 'claim');
  const child = await openImage(childPath).catch(async (err: unknown) => {
    await claim.close();
    throw err;
  });
  try {
    if (!(child instanceof VhdImage) || child.structure.footer.diskType !== 'differencing' || !child.parent) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${childPath} is not a differencing disk`,
        'merge takes a child VHD and writes it into its parent',
      );
    }
    if (!(child.parent instanceof VhdImage))
      throw new PlatterError(
        'UNSUPPORTED',
        `the parent of ${childPath} is not a VHD`,
        'only VHD parents can be merged into',
      );
    const parentPath = child.parent.path;
    const folders = await nearbyFolders(childPath, parentPath);
    const grandchildren = await childrenOf(folders, child.structure.footer.uuid, childPath);
    if (grandchildren.length > 0 && !options.keepChild) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${childPath} is itself the parent of ${grandchildren.join(', ')}; removing it would break them`,
        'merge with --keep-child, or merge those children first',
      );
    }
    // Every other child of the parent reads the parent where it holds nothing: writing into it changes them.
    const siblings = await childrenOf(folders, child.parent.structure.footer.uuid, childPath);
    if (siblings.length > 0) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${parentPath} is also the parent of ${siblings.join(', ')}: merging ${childPath} into it would change what ${siblings.length === 1 ? 'that disk reads' : 'those disks read'}; nothing was changed`,
        `to keep them, write the child out as a disk of its own instead: \`platter convert ${childPath} merged.vhd\``,
        { path: childPath, siblings },
      );
    }
    const mergedBlocks = await copyIntoParent(child, parentPath, control).catch((err: unknown) => {
      throw stoppedPartWay(err, childPath, parentPath);
    });
    await child.close();
    const warnings: string[] = [];
    let childRemoved = false;
    if (!options.keepChild) {
      // The merge itself is done: a child that cannot be removed reads exactly as its parent now.
      childRemoved = await unlink(childPath).then(
        () => true,
        (err: unknown) => {
          const why = fromFsError(err, childPath).message;
          warnings.push(
            `the merge is complete, but ${childPath} could not be removed (${why}); it now reads exactly as ${parentPath}, so remove it yourself`,
          );
          return false;
        },
      );
    }
    return { child: childPath, parent: parentPath, mergedBlocks, childRemoved, warnings };
  } finally {
    await child.close();
    await claim.close();
  }
}

async function copyIntoParent(child: VhdImage, parentPath: string, control: JobControl): Promise<number> {
  const { bat, header, bitmapSize, virtualSize } = child.structure;
  const blockSize = header!.blockSize;
  const source = child.sourceFile;
  const writer = await InPlaceVhdWriter.open(parentPath);
  try {
    if (writer.structure.virtualSize < virtualSize) {
      throw new PlatterError(
        'BAD_SIZE',
        `the parent ${parentPath} is smaller than its child`,
        'resize the parent to the child’s size first',
      );
    }
    const blocks = bat!.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0);
    const progress = progressReporter(control, 'merging', blocks * blockSize);
    const buffer = new Uint8Array(Math.min(PUMP_CHUNK, blockSize));
    // A dynamic or differencing parent is written copy on write under an undo journal: the merge then completes,
    // or the parent is put back as it was. A fixed parent is written in place: a merge cut short is finished by
    // running it again.
    const guarded = writer.structure.bat
      ? (change: () => Promise<void>) => writer.undoable('merge', change)
      : (change: () => Promise<void>) => change();
    await guarded(async () => {
      for (let block = 0; block < bat!.length; block++) {
        const entry = bat![block]!;
        if (entry === UNALLOCATED) continue;
        throwIfAborted(control.signal);
        const blockStart = entry * SECTOR;
        const used = Math.min(blockSize, virtualSize - block * blockSize);
        const bitmap = await source.readAt(blockStart, bitmapSize);
        for (const run of sectorRuns(bitmap, 0, used / SECTOR)) {
          if (!run.set) continue;
          for (let off = run.first * SECTOR; off < (run.first + run.count) * SECTOR; off += buffer.length) {
            const piece = buffer.subarray(0, Math.min(buffer.length, (run.first + run.count) * SECTOR - off));
            await source.read(piece, blockStart + bitmapSize + off);
            await writer.write(block * blockSize + off, piece);
          }
        }
        progress.add(blockSize);
      }
    });
    if (!writer.structure.bat) await writer.sync(); // the journal's end flushed a sparse parent already
    progress.finish();
    return blocks;
  } finally {
    await writer.close();
  }
}
