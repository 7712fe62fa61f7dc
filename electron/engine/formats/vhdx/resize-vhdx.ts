// Resizing a fixed or dynamic VHDX in place, through its log (vhdx-log-update.ts): the virtual disk size item and
// the BAT entries that come into use (or fall out of use) change in one logged update, so a crash leaves the old
// disk or, once any reader replays the log, the new one. The BAT region must already have room for the entries.
import { PlatterError } from '../../errors';
import { BAT_ENTRY_SIZE, PAYLOAD_STATE, batGeometry } from './bat';
import { METADATA_GUID, serializeVirtualDiskSize } from './metadata-items';
import { METADATA_TABLE_SIZE, parseMetadataTable } from './metadata-table';
import { MIB } from './fields';
import { RandomAccessFile } from '../../io/random-access-file';
import type { VhdxImage } from './vhdx-image';
import { changeThroughLog, pageWrites, zeroWrites } from './log-update';
import { checkVhdxLayout } from './vhdx-writer';

export async function resizeVhdxInPlace(image: VhdxImage, newSize: number): Promise<void> {
  const s = image.structure;
  const m = s.metadata;
  if (m.hasParent)
    throw new PlatterError(
      'UNSUPPORTED',
      `${image.path} is a differencing VHDX, which Platter does not resize yet`,
      'resize its parent with Hyper-V (Resize-VHD) before making children, or convert it to a standalone disk',
      { path: image.path },
    );
  const oldSize = m.virtualSize;
  checkVhdxLayout({
    virtualSize: newSize,
    type: m.leaveBlocksAllocated ? 'fixed' : 'dynamic',
    blockSize: m.blockSize,
    logicalSectorSize: m.logicalSectorSize,
    physicalSectorSize: m.physicalSectorSize ?? 4096,
  });
  if (m.leaveBlocksAllocated && newSize > oldSize)
    throw new PlatterError(
      'UNSUPPORTED',
      `growing a fixed VHDX such as ${image.path} is not supported yet`,
      'convert it to a dynamic VHDX, or grow it with Hyper-V (Resize-VHD)',
      { path: image.path },
    );
  const geometry = (size: number) => batGeometry({ ...m, virtualSize: size, hasParent: false });
  const before = geometry(oldSize).totalEntries;
  const after = geometry(newSize).totalEntries;
  if (after * BAT_ENTRY_SIZE > s.batRegion.length) {
    throw new PlatterError(
      'UNSUPPORTED',
      `the block table of ${image.path} has room for ${s.batRegion.length / BAT_ENTRY_SIZE} entries, and ${newSize} bytes need ${after}`,
      'convert the disk to a new VHDX of that size instead: `platter convert` copies it, then resize the copy',
      { path: image.path },
    );
  }
  const file = await RandomAccessFile.open(image.path, 'r+');
  try {
    const table = parseMetadataTable(
      await file.readAt(s.metadataRegion.fileOffset, METADATA_TABLE_SIZE),
      s.metadataRegion.length,
    );
    const sizeItem = table.find((e) => e.itemId === METADATA_GUID.virtualDiskSize)!;
    const writes = await pageWrites(
      file,
      s.metadataRegion.fileOffset + sizeItem.offset,
      serializeVirtualDiskSize(newSize),
    );
    // Entries coming into use read "not present" (zeros); entries falling out of use are cleared.
    const [lo, hi] = [Math.min(before, after), Math.max(before, after)];
    writes.push(...(await zeroWrites(file, s.batRegion.fileOffset + lo * BAT_ENTRY_SIZE, (hi - lo) * BAT_ENTRY_SIZE)));
    // Growing into the rest of a last block the file holds: what lay past the old end must read as zeros.
    const last = Math.floor((oldSize - 1) / m.blockSize);
    const tail = (last + 1) * m.blockSize - oldSize;
    if (newSize > oldSize && tail > 0 && s.bat.payloadState[last] === PAYLOAD_STATE.fullyPresent) {
      const at = s.bat.payloadOffsetMiB[last]! * MIB + (oldSize - last * m.blockSize);
      writes.push(...(await zeroWrites(file, at, Math.min(tail, newSize - oldSize))));
    }
    await changeThroughLog(file, { writes, dataChanged: true });
  } finally {
    await file.close();
  }
}
