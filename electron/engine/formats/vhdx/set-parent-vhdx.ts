// Re-pointing a differencing VHDX at its moved parent: the parent locator metadata item gets the new paths, in one
// update through the log (log-update.ts), so a kill at any moment leaves the old locator or, once any reader
// replays the log (Platter, Hyper-V, qemu-img check -r all), the new one. A locator that outgrows its space moves
// to free space in the metadata region, its table entry changing in the same update. The content never changes,
// so the DataWriteGuid stays (grandchildren stay valid).
import { PlatterError } from '../../errors';
import { RandomAccessFile } from '../../io/random-access-file';
import { vhdxParentPaths } from '../../ops/parent-link';
import { changeThroughLog, editWrites } from './log-update';
import type { ByteEdit } from './log-update';
import { METADATA_GUID } from './metadata-items';
import { METADATA_TABLE_SIZE, entryPlacement, freeMetadataSpace, parseMetadataTable } from './metadata-table';
import { repointedEntries, serializeParentLocator } from './parent-locator';
import { pendingLog, replayLogIntoFile } from './repair-log';
import { withLogReplayed } from './replayed-source';
import { readVhdxStructure } from './structure';
import { readVhdxDataWriteGuid } from './vhdx-image';

/** Points the differencing VHDX `childPath` at `parentPath`; returns the parent's DataWriteGuid. */
export async function setVhdxParent(childPath: string, parentPath: string): Promise<string> {
  const file = await RandomAccessFile.open(childPath, 'r+');
  try {
    // Checked on the disk as its log's replay leaves it, before anything is written.
    const s = await readVhdxStructure(await withLogReplayed(file));
    const locator = s.metadata.parentLocator;
    if (!s.metadata.hasParent || !locator) {
      const type = s.metadata.leaveBlocksAllocated ? 'fixed' : 'dynamic';
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${childPath} is a ${type} disk, which has no parent`,
        'give the path of a differencing (child) VHDX',
      );
    }
    const expected = locator.parentLinkage;
    const found = await readVhdxDataWriteGuid(parentPath);
    if (found === null)
      throw new PlatterError(
        'VHD_PARENT_MISMATCH',
        `${parentPath} is not a readable VHDX`,
        `give the VHDX whose DataWriteGuid is ${expected}`,
        { path: childPath, expectedGuid: expected },
      );
    if (found !== expected && found !== locator.parentLinkage2) {
      const whose = found === s.header.dataWriteGuid ? 'the child itself' : `a different disk (DataWriteGuid ${found})`;
      throw new PlatterError(
        'VHD_PARENT_MISMATCH',
        `${parentPath} is ${whose}, but ${childPath} was made from the disk with DataWriteGuid ${expected}`,
        `give the parent this child was made from (DataWriteGuid ${expected}); a different disk, or the parent written to since, would corrupt what the child reads`,
        { path: childPath, expectedGuid: expected, foundGuid: found },
      );
    }
    const bytes = serializeParentLocator(repointedEntries(locator, vhdxParentPaths(childPath, parentPath)));
    // A log an earlier change left is written in first, so the change is planned on the bytes it applies to.
    const pending = await pendingLog(file);
    if (pending) await replayLogIntoFile(file, pending);
    const region = s.metadataRegion;
    const table = parseMetadataTable(await file.readAt(region.fileOffset, METADATA_TABLE_SIZE), region.length);
    const index = table.findIndex((e) => e.itemId === METADATA_GUID.parentLocator && !e.isUser);
    const item = table[index]!;
    let offset = item.offset;
    const edits: ByteEdit[] = [];
    if (bytes.length > item.length) {
      const free = freeMetadataSpace(table, region.length, bytes.length);
      if (free === null)
        throw new PlatterError(
          'UNSUPPORTED',
          `the metadata region of ${childPath} has no room for a parent locator of ${bytes.length} bytes`,
          'move the parent to a shorter path, or make the child anew with `platter create --parent`',
          { path: childPath },
        );
      offset = free;
      edits.push({ offset: region.fileOffset + item.offset, bytes: new Uint8Array(item.length) });
    } else if (bytes.length < item.length) {
      // What the old locator held past the new one's end is cleared: the item is exactly the new locator.
      edits.push({ offset: region.fileOffset + item.offset, bytes: new Uint8Array(item.length) });
    }
    edits.push({ offset: region.fileOffset + offset, bytes });
    if (offset !== item.offset || bytes.length !== item.length) {
      const placement = entryPlacement(index, offset, bytes.length);
      edits.push({ offset: region.fileOffset + placement.at, bytes: placement.bytes });
    }
    const writes = await editWrites(file, edits);
    // Already pointing there: nothing to write.
    if (writes.length > 0) await changeThroughLog(file, { writes, dataChanged: false });
    return found;
  } finally {
    await file.close();
  }
}
