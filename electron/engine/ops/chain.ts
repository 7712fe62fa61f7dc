import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isPlatterError } from '../errors';
import { UNALLOCATED } from '../format/bat';
import type { DiskType } from '../format/footer';
import { MAX_CHAIN_DEPTH, detectFormat, readVhdUuid } from '../image/open-image';
import { findParent, readParentReference } from '../image/parent-reference';
import { RandomAccessFile } from '../image/random-access-file';
import { readVhdStructure } from '../image/vhd-structure';
import type { VhdStructure } from '../image/vhd-structure';

/** One disk of a differencing chain, child first. */
export interface ChainLevel {
  readonly path: string;
  readonly diskType: DiskType;
  readonly uuid: string;
  readonly virtualSize: number;
  readonly fileSize: number;
  /** Bytes of virtual disk this file holds itself (allocated blocks times block size; all of it for fixed). */
  readonly allocatedBytes: number;
}

export interface Chain {
  readonly levels: readonly ChainLevel[];
  /** Set when the chain stops at a parent that cannot be found or read. */
  readonly broken: { readonly name: string; readonly uuid: string; readonly reason: string } | null;
}

/** One level's description from its already-read structure. */
export function chainLevel(path: string, s: VhdStructure, fileSize: number): ChainLevel {
  const blockSize = s.header?.blockSize ?? 0;
  const allocated = s.bat ? s.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0) * blockSize : s.virtualSize;
  return {
    path,
    diskType: s.footer.diskType,
    uuid: s.footer.uuid,
    virtualSize: s.virtualSize,
    fileSize,
    allocatedBytes: allocated,
  };
}

/**
 * Walks a VHD's parents (headers only), stopping at a missing parent, a loop, or the depth limit. `known` are levels
 * the caller has already read (child first), `path` the next disk to read.
 */
export async function describeChain(path: string, known: readonly ChainLevel[] = []): Promise<Chain> {
  const levels: ChainLevel[] = [...known];
  const seen = new Set<string>();
  for (const level of known) seen.add(await realpath(level.path).catch(() => level.path));
  let current: string | null = resolve(path);
  while (current) {
    if (seen.has(await realpath(current)))
      return { levels, broken: { name: current, uuid: '', reason: 'the chain loops back on itself' } };
    const file = await RandomAccessFile.open(current);
    try {
      if ((await detectFormat(file)) !== 'vhd')
        return { levels, broken: { name: current, uuid: '', reason: 'not a VHD' } };
      const s = await readVhdStructure(file);
      levels.push(chainLevel(current, s, file.size));
      seen.add(await realpath(current));
      if (s.footer.diskType !== 'differencing' || !s.header) return { levels, broken: null };
      const ref = await readParentReference(file, s.header, []);
      const name = ref.name || ref.locators.find((l) => l.path)?.path || '';
      if (levels.length >= MAX_CHAIN_DEPTH)
        return {
          levels,
          broken: { name, uuid: ref.uuid, reason: `the chain is more than ${MAX_CHAIN_DEPTH} disks deep` },
        };
      try {
        current = await findParent(current, ref, readVhdUuid);
      } catch (err) {
        if (!isPlatterError(err)) throw err;
        return { levels, broken: { name, uuid: ref.uuid, reason: err.message } };
      }
    } finally {
      await file.close();
    }
  }
  return { levels, broken: null };
}
