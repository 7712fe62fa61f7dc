// Where a VHDX's file holds something: the end of its last structure or block, which is where new blocks go and
// how far a shrunk file can be cut.
import { BITMAP_STATE, PAYLOAD_STATE, SECTOR_BITMAP_BLOCK_SIZE } from './bat';
import type { VhdxBat } from './bat';
import { MIB } from './fields';
import { HEADER_SECTION_SIZE } from './header-section';
import { REGION_TABLE_OFFSETS, REGION_TABLE_SIZE, parseRegionTable } from './region-table';
import type { VhdxStructure } from './structure';
import { alignUp } from '../fields';
import type { RandomAccessFile } from '../../io/random-access-file';

/**
 * The first MiB past everything the file holds with `bat` as its block table (the first `blocks` payload
 * blocks): the header section, the log, every region either region table copy names (regions Platter does not
 * know included), each present block and sector bitmap.
 */
export async function usedEnd(file: RandomAccessFile, s: VhdxStructure, bat: VhdxBat, blocks: number): Promise<number> {
  let end = HEADER_SECTION_SIZE;
  if (s.header.logLength > 0) end = Math.max(end, s.header.logOffset + s.header.logLength);
  for (const at of REGION_TABLE_OFFSETS) {
    try {
      for (const r of parseRegionTable(await file.readAt(at, REGION_TABLE_SIZE)).entries)
        end = Math.max(end, r.fileOffset + r.length);
    } catch {
      // A damaged copy names nothing; the structure was read from the other.
    }
  }
  for (let block = 0; block < blocks; block++) {
    const state = bat.payloadState[block];
    if (state === PAYLOAD_STATE.fullyPresent || state === PAYLOAD_STATE.partiallyPresent)
      end = Math.max(end, bat.payloadOffsetMiB[block]! * MIB + s.metadata.blockSize);
  }
  for (let chunk = 0; chunk < bat.bitmapState.length; chunk++) {
    if (bat.bitmapState[chunk] === BITMAP_STATE.present)
      end = Math.max(end, bat.bitmapOffsetMiB[chunk]! * MIB + SECTOR_BITMAP_BLOCK_SIZE);
  }
  return alignUp(end, MIB);
}
