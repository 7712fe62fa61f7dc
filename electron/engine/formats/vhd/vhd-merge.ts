// Writes a differencing VHD's sectors into its VHD parent (docs/chains-merge-resize.md, "merge").
import { PlatterError, throwIfAborted } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { PUMP_CHUNK } from '../../ops/content-pump';
import { progressReporter } from '../../ops/progress';
import type { JobControl } from '../../ops/progress';
import { SECTOR } from '../fields';
import { UNALLOCATED } from './bat';
import { sectorRuns } from './bitmap';
import { InPlaceVhdWriter } from './in-place-writer';
import { probeVhd } from './probe';
import { RandomAccessFile } from '../../io/random-access-file';
import { VhdImage } from './vhd-image';
import { readVhdStructure } from './vhd-structure';

/** The parent UUID a differencing VHD at `path` records, or null. */
export async function vhdLinkedParent(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path).catch(() => null);
  if (!file) return null;
  try {
    if (!(await probeVhd(file))) return null;
    const s = await readVhdStructure(file);
    return s.header && s.footer.diskType === 'differencing' ? s.header.parentUuid : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

export async function mergeVhdChild(child: DiskImage, control: JobControl): Promise<number> {
  if (!(child instanceof VhdImage) || !(child.parent instanceof VhdImage))
    throw new PlatterError(
      'UNSUPPORTED',
      `the parent of ${child.path} is not a VHD, and a merge writes the child into a parent of its own format`,
      `write the child out as a disk of its own instead: \`platter convert ${child.path} merged.vhd\``,
    );
  const { bat, header, bitmapSize, virtualSize } = child.structure;
  const parentPath = child.parent.path;
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
