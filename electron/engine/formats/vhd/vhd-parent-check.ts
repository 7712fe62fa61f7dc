// A differencing child's link to its parent: the recorded UUID, the locators, and whether the parent is there.
import { realpath } from 'node:fs/promises';
import { isPlatterError } from '../../errors';
import { NIL_UUID } from '../fields';
import { LOCATOR_ENTRY_SIZE, locatorDataRange, platformName } from './parent-locator';
import { MAX_CHAIN_DEPTH } from '../driver';
import { probeVhd, readVhdUuid } from './probe';
import { findParent, readParentReference } from './parent-reference';
import { RandomAccessFile } from '../../io/random-access-file';
import { readVhdStructure } from './vhd-structure';
import type { AddProblem } from '../../ops/check-problems';
import type { HeaderScan } from './vhd-scan';

const LOCATORS_OFFSET = 576;

export async function checkVhdParent(
  file: RandomAccessFile,
  ownUuid: string,
  { header, offset }: HeaderScan,
  add: AddProblem,
): Promise<void> {
  header.locators.forEach((entry, i) => {
    if (entry.platformCode === 0) return;
    try {
      locatorDataRange(entry, file.size);
    } catch (err) {
      if (!isPlatterError(err)) throw err;
      const where = offset + LOCATORS_OFFSET + i * LOCATOR_ENTRY_SIZE;
      add('VHD_LOCATOR_INVALID', 'error', where, `${err.message} (locator ${i}, ${platformName(entry.platformCode)})`);
    }
  });
  if (header.parentUuid === NIL_UUID) {
    add('VHD_PARENT_UUID', 'error', offset + 40, 'the differencing disk records no parent UUID');
    return;
  }
  if (header.parentUuid === ownUuid) {
    add('VHD_PARENT_CYCLE', 'error', offset + 40, `the disk records itself (UUID ${ownUuid}) as its own parent`);
    return;
  }
  try {
    const ref = await readParentReference(file, header, []);
    const parent = await findParent(file.path, ref, readVhdUuid);
    if ((await realpath(parent)) === (await realpath(file.path)))
      add('VHD_PARENT_CYCLE', 'error', null, `the parent locators name the disk itself (${parent})`);
    else await checkAncestors(file.path, parent, add);
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    add(err.code, 'error', null, err.message);
  }
}

/** Follows the chain up from `parent` as the reader would: every ancestor readable, no loop, not too deep. */
async function checkAncestors(child: string, parent: string, add: AddProblem): Promise<void> {
  const seen = new Set([await realpath(child)]);
  let current: string | null = parent;
  for (let depth = 1; current !== null; depth++) {
    const real = await realpath(current);
    if (seen.has(real)) {
      add('VHD_PARENT_CYCLE', 'error', null, `the chain of parents loops back to ${current}`);
      return;
    }
    seen.add(real);
    if (depth >= MAX_CHAIN_DEPTH) {
      const message = `the chain of parents is more than ${MAX_CHAIN_DEPTH} disks deep at ${current}`;
      add('VHD_CHAIN_TOO_DEEP', 'error', null, message);
      return;
    }
    current = await parentOf(current);
  }
}

/** The parent of the VHD at `path`, or null when it has none (or is not a VHD, which the reader reports itself). */
async function parentOf(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path);
  try {
    if (!(await probeVhd(file))) return null;
    const s = await readVhdStructure(file);
    if (s.footer.diskType !== 'differencing' || !s.header) return null;
    return await findParent(path, await readParentReference(file, s.header, []), readVhdUuid);
  } finally {
    await file.close();
  }
}
