// Structural check of a VDI: the header as VirtualBox validates it, then each block map entry (in range, inside the
// file, used once, as qemu-img check and VirtualBox's repair look at them), the allocated count, and the parent.
import { isPlatterError } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { AddProblem } from '../../ops/check-problems';
import { HEADER_FIELD_OFFSETS, SECTOR_SIZE } from './header';
import { findVdiParent, readVdiHeaderAt } from './parent';
import { blockBytes, blockFileOffset, isAllocated, readVdiStructure } from './structure';
import type { VdiStructure } from './structure';
import { hasParentLink } from './vdi-image';

/** Problems of one kind listed one by one; past this, a count. */
const LISTED = 100;
const QEMU_BLOCK_SIZE = 1024 * 1024;

export async function checkVdi(file: RandomAccessFile, add: AddProblem): Promise<void> {
  let s: VdiStructure;
  try {
    s = await readVdiStructure(file, false);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', typeof err.details.offset === 'number' ? err.details.offset : null, err.message);
    return;
  }
  checkHeader(s, add);
  checkBlockMap(s, file.size, add);
  if (hasParentLink(s)) await checkParent(file.path, s, add);
}

function checkHeader(s: VdiStructure, add: AddProblem): void {
  const h = s.header;
  const at = HEADER_FIELD_OFFSETS;
  for (const w of s.warnings) add('VDI_ODD_DISK_SIZE', 'warning', at.diskSize, w);
  if (h.legacyGeometry.sectorSize !== SECTOR_SIZE && h.legacyGeometry.sectorSize !== 0)
    add(
      'VDI_HEADER_INCONSISTENT',
      'warning',
      at.legacyGeometry + 12,
      `the legacy geometry's sector size is ${h.legacyGeometry.sectorSize}, not ${SECTOR_SIZE} (qemu-img refuses such an image)`,
    );
  if (h.blocks > s.diskBlocks)
    add(
      'VDI_HEADER_INCONSISTENT',
      'warning',
      at.blocks,
      `the block map has ${h.blocks} entries, more than the ${s.diskBlocks} the ${s.virtualSize}-byte disk needs`,
    );
  if (h.blockSize !== QEMU_BLOCK_SIZE)
    add(
      'VDI_HEADER_INCONSISTENT',
      'warning',
      at.blockSize,
      `the block size is ${h.blockSize} bytes; qemu-img reads only VDIs of 1 MiB blocks (VirtualBox reads any)`,
    );
  if (h.blocksOffset % SECTOR_SIZE !== 0 || h.dataOffset % SECTOR_SIZE !== 0)
    add(
      'VDI_HEADER_INCONSISTENT',
      'warning',
      at.blocksOffset,
      `the block map (at ${h.blocksOffset}) or the data (at ${h.dataOffset}) does not start on a sector; qemu-img refuses such an image`,
    );
}

function checkBlockMap(s: VdiStructure, fileSize: number, add: AddProblem): void {
  const { header: h, map } = s;
  const used = new Uint8Array(h.blocks);
  const counts = { range: 0, past: 0, twice: 0 };
  const report = (kind: keyof typeof counts, code: string, entry: number, message: string) => {
    if (counts[kind]++ < LISTED) add(code, 'error', h.blocksOffset + entry * 4, message);
  };
  let allocated = 0;
  let fixedHoles = 0;
  for (let i = 0; i < h.blocks; i++) {
    const entry = map[i]!;
    if (!isAllocated(entry)) {
      if (h.type === 'fixed' && i < s.diskBlocks) fixedHoles++;
      continue;
    }
    allocated++;
    // Data blocks are numbered from 0 in the order written: VirtualBox writes the next one at blocksAllocated.
    if (entry >= h.blocks || entry >= h.blocksAllocated) {
      report(
        'range',
        'VDI_BLOCK_OUT_OF_RANGE',
        i,
        `block ${i} points at data block ${entry}, past the ${Math.min(h.blocks, h.blocksAllocated)} the header allows`,
      );
      continue;
    }
    const end = blockFileOffset(s, i) + (i < s.diskBlocks ? blockBytes(s, i) : h.blockSize);
    if (end > fileSize)
      report('past', 'VDI_BLOCK_PAST_END', i, `block ${i} (data block ${entry}) lies past the end of the file`);
    if (used[entry])
      report(
        'twice',
        'VDI_BLOCK_DUPLICATE',
        i,
        `block ${i} points at data block ${entry}, which an earlier block uses too`,
      );
    used[entry] = 1;
  }
  for (const [kind, code] of [
    ['range', 'VDI_BLOCK_OUT_OF_RANGE'],
    ['past', 'VDI_BLOCK_PAST_END'],
    ['twice', 'VDI_BLOCK_DUPLICATE'],
  ] as const) {
    if (counts[kind] > LISTED) add(code, 'error', null, `${counts[kind] - LISTED} more such blocks (not listed)`);
  }
  if (allocated !== h.blocksAllocated)
    add(
      'VDI_ALLOCATED_MISMATCH',
      'error',
      HEADER_FIELD_OFFSETS.blocksAllocated,
      `the header counts ${h.blocksAllocated} allocated blocks but the block map holds ${allocated}; VirtualBox would write its next block over data in use or leave a gap`,
    );
  if (fixedHoles > 0)
    add(
      'VDI_HEADER_INCONSISTENT',
      'warning',
      h.blocksOffset,
      `the image is fixed but ${fixedHoles} of its blocks are not allocated (they read as zeros)`,
    );
}

async function checkParent(path: string, s: VdiStructure, add: AddProblem): Promise<void> {
  try {
    const parentPath = await findVdiParent(path, s.header.parentUuid);
    const parent = await readVdiHeaderAt(parentPath);
    if (parent && s.header.headerSize !== null && parent.modificationUuid !== s.header.parentModificationUuid)
      add(
        'VDI_PARENT_CHANGED',
        'warning',
        HEADER_FIELD_OFFSETS.parentModificationUuid,
        `the parent ${parentPath} was changed after this child was made (modification UUID ${parent.modificationUuid}, the child expects ${s.header.parentModificationUuid})`,
      );
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', null, err.message);
  }
}
