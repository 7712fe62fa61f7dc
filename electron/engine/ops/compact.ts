import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { UNALLOCATED } from '../formats/vhd/bat';
import { openImage } from '../image/open-image';
import { VhdImage } from '../formats/vhd/vhd-image';
import type { Compaction } from '../formats/driver';
import type { DiskImage } from '../image/disk-image';
import { driverFor } from '../formats/table';
import { modeFrom, writeNewFile } from '../io/output-file';
import type { JobControl } from './progress';
import { estimateCompaction, rewriteSparse } from './sparse-rewrite';

export interface CompactOptions {
  readonly path: string;
  /** Write the compacted image here and leave the original alone; default: compact in place. */
  readonly output?: string;
  /** Only work out what compacting would reclaim (reading every allocated block); write nothing. */
  readonly dryRun?: boolean;
  /** With `output`: the most permission bits the copy may have (never more than the original's). */
  readonly outputMode?: number;
}

export interface CompactResult {
  readonly path: string;
  readonly output: string;
  readonly blocksBefore: number;
  readonly blocksAfter: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly reclaimedBytes: number;
  /** True when nothing was written: blocksAfter, sizeAfter and reclaimedBytes are what compacting would give. */
  readonly dryRun: boolean;
}

/**
 * Drops blocks that read as zeros (for a differencing disk, only where the parent reads zeros too), packs the rest
 * in order and writes a new file that replaces the old one in a single rename: a kill leaves the old or the new
 * image, never a mix. UUID, timestamps, parent links and every footer field are kept, so children stay valid.
 */
export async function compactImage(options: CompactOptions, control: JobControl = {}): Promise<CompactResult> {
  const path = resolve(options.path);
  const output = resolve(options.output ?? options.path);
  const inPlace = output === path;
  // In place, the image is claimed before its first read and until the new one replaces it (output-file.ts keeps
  // the claim through the rename), so nothing another program writes meanwhile is lost; a copy holds its source
  // against writers while it reads.
  const writes = !options.dryRun;
  const image = await openImage(path, { claim: inPlace && writes, consistent: !inPlace && writes });
  try {
    const compaction = driverFor(image.format).compaction?.(image);
    if (compaction) return await compactRewritten(image, compaction, path, output, inPlace, options, control);
    if (!(image instanceof VhdImage))
      throw new PlatterError('UNSUPPORTED', `${path} is not a VHD`, 'compact works on dynamic and differencing VHDs');
    const { structure } = image;
    if (!structure.header || !structure.bat) {
      throw new PlatterError(
        'NOT_COMPACTABLE',
        `${path} is a fixed VHD, which always holds every byte`,
        'convert it to a dynamic VHD to reclaim space: `platter convert IN OUT.vhd --type dynamic`',
      );
    }
    const sizeBefore = (await stat(path)).size;
    const mode = (await stat(path)).mode & 0o7777;
    const blocksBefore = structure.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0);
    if (options.dryRun) {
      const estimate = await estimateCompaction(image, control);
      const reclaimedBytes = Math.max(0, sizeBefore - estimate.size);
      return {
        path,
        output,
        blocksBefore,
        blocksAfter: estimate.blocks,
        sizeBefore,
        sizeAfter: estimate.size,
        reclaimedBytes,
        dryRun: true,
      };
    }
    let blocksAfter = 0;
    let sizeAfter = 0;
    await writeNewFile(
      output,
      control.signal,
      async (file) => {
        const result = await rewriteSparse(file, image, control, { dropZeroBlocks: true, phase: 'compacting' });
        blocksAfter = result.blocks;
        sizeAfter = result.size;
        // Windows cannot replace a file that is still open.
        if (inPlace) await image.close();
      },
      inPlace ? { replace: true, mode } : { mode: await modeFrom([path], options.outputMode) },
    );
    return {
      path,
      output,
      blocksBefore,
      blocksAfter,
      sizeBefore,
      sizeAfter,
      reclaimedBytes: Math.max(0, sizeBefore - sizeAfter),
      dryRun: false,
    };
  } finally {
    await image.close();
  }
}

/** The same steps for a format compacted by rewriting: estimate, or rewrite into a new file that replaces the old in one rename. */
async function compactRewritten(
  image: DiskImage,
  compaction: Compaction,
  path: string,
  output: string,
  inPlace: boolean,
  options: CompactOptions,
  control: JobControl,
): Promise<CompactResult> {
  const before = await stat(path);
  const { blocksBefore } = compaction;
  const done = (after: { blocks: number; size: number }, dryRun: boolean): CompactResult => ({
    path,
    output,
    blocksBefore,
    blocksAfter: after.blocks,
    sizeBefore: before.size,
    sizeAfter: after.size,
    reclaimedBytes: Math.max(0, before.size - after.size),
    dryRun,
  });
  if (options.dryRun) return done(await compaction.estimate(control), true);
  let after = { blocks: 0, size: 0 };
  await writeNewFile(
    output,
    control.signal,
    async (file) => {
      after = await compaction.rewrite(file, control);
      if (inPlace) await image.close(); // Windows cannot replace a file that is still open
    },
    inPlace ? { replace: true, mode: before.mode & 0o7777 } : { mode: await modeFrom([path], options.outputMode) },
  );
  return done(after, false);
}
