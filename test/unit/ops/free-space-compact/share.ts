// The figure the issue asks for: of the deleted files' bytes that lay in whole free blocks, the share that reads as
// zeros after compaction. Sectors are told by content (a 512-byte sector of random data is unique), so a block the
// file-system reader calls free is also checked to hold no live file's sector and no other data.
import { readFile } from 'node:fs/promises';
import { FreeBlocks, readUnusedSpace } from '../../../../electron/engine/ops/free-blocks';
import { openRaw } from '../../contents/free-space/make-fs';

const SECTOR = 512;
const ZERO_SECTOR = Buffer.alloc(SECTOR);

function isZero(sector: Buffer): boolean {
  return sector[0] === 0 && sector.equals(ZERO_SECTOR);
}

async function sectorKeys(files: readonly string[]): Promise<Set<bigint>> {
  const keys = new Set<bigint>();
  for (const f of files) {
    const bytes = await readFile(f);
    for (let at = 0; at + SECTOR <= bytes.length; at += SECTOR) keys.add(bytes.readBigUInt64LE(at));
  }
  return keys;
}

export interface DeletedData {
  /** Deleted-file sectors in blocks the file system leaves wholly free. */
  readonly inFreeBlocks: number[];
  /** Deleted-file sectors in blocks whose every non-zero sector is a deleted file's (a content-only count). */
  readonly inDeletedOnlyBlocks: number[];
  /** Free blocks (as the reader says) holding a live file's sector or other non-zero data: must be none. */
  readonly freeBlocksWithOtherData: number[];
}

export async function deletedData(
  disk: string,
  live: readonly string[],
  deleted: readonly string[],
  blockSize: number,
): Promise<DeletedData> {
  const [liveKeys, deletedKeys] = [await sectorKeys(live), await sectorKeys(deleted)];
  const raw = await openRaw(disk);
  let free: FreeBlocks;
  try {
    free = new FreeBlocks((await readUnusedSpace(raw)).ranges, blockSize, raw.virtualSize);
  } finally {
    await raw.close();
  }
  const out: DeletedData = { inFreeBlocks: [], inDeletedOnlyBlocks: [], freeBlocksWithOtherData: [] };
  const bytes = await readFile(disk);
  {
    for (let position = 0, index = 0; position < bytes.length; position += blockSize, index++) {
      const block = bytes.subarray(position, Math.min(bytes.length, position + blockSize));
      const mine: number[] = [];
      let other = false;
      for (let at = 0; at + SECTOR <= block.length; at += SECTOR) {
        const sector = block.subarray(at, at + SECTOR);
        if (isZero(sector)) continue;
        const key = sector.readBigUInt64LE(0);
        if (deletedKeys.has(key) && !liveKeys.has(key)) mine.push(position + at);
        else other = true;
      }
      if (!other) out.inDeletedOnlyBlocks.push(...mine);
      if (free.isFree(index)) {
        out.inFreeBlocks.push(...mine);
        if (other) out.freeBlocksWithOtherData.push(index);
      }
    }
  }
  return out;
}

/** How many of the given sector offsets read as zeros in `disk` (a raw export of the compacted image). */
export async function zeroedSectors(disk: string, offsets: readonly number[]): Promise<number> {
  const bytes = await readFile(disk);
  return offsets.filter((offset) => isZero(bytes.subarray(offset, offset + SECTOR))).length;
}
