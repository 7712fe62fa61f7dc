import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { CompactResult } from '../../../shared/jobs';
import type { Compacted } from '../formats/driver';
import { FORMAT_DRIVERS, driverFor, joinedWithOr } from '../formats/table';
import { openImage } from '../image/open-image';
import { modeFrom, writeNewFile } from '../io/output-file';
import type { JobControl } from './progress';
import { FreeBlocks, readUnusedSpace, volumeReport } from './free-blocks';

export interface CompactOptions {
  readonly path: string;
  /** Write the compacted image here and leave the original alone; default: compact in place. */
  readonly output?: string;
  /** Only work out what compacting would reclaim (reading every allocated block); write nothing. */
  readonly dryRun?: boolean;
  /** With `output`: the most permission bits the copy may have (never more than the original's). */
  readonly outputMode?: number;
  /** Drop only blocks that read as zeros; the file systems' free space is not read. */
  readonly zerosOnly?: boolean;
}

export type { CompactResult };

/**
 * Drops blocks that read as zeros, and blocks that lie wholly in space no file system on the disk uses (ops/free-blocks.ts;
 * for a differencing disk, only where the parent reads zeros too), packs the rest
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
    const { compaction, name } = driverFor(image.format);
    if (!compaction) {
      throw new PlatterError(
        'UNSUPPORTED',
        `${path} is a ${name}, which Platter cannot compact`,
        `compact works on dynamic and differencing ${compactedFormatNames()} images; convert it to one of those first`,
        { path },
      );
    }
    const before = await stat(path);
    const blocksBefore = compaction.blocksHeld(image);
    const map = compaction.blockMap(image);
    const zerosOnly = options.zerosOnly === true;
    // Only file-system metadata is read here; the drivers then leave the free blocks unread.
    const space = zerosOnly ? null : await readUnusedSpace(image);
    const free = space ? new FreeBlocks(space.ranges, map.blockSize, image.virtualSize) : null;
    const volumes = space && free ? volumeReport(space, free, map.held) : [];
    const done = (after: Compacted, dryRun: boolean): CompactResult => {
      const zeroBlocks = Math.max(0, blocksBefore - after.blocks - after.freeBlocks);
      const reclaimedByVolumes = volumes.reduce((n, v) => n + v.reclaimableBytes, 0);
      return {
        path,
        output,
        blocksBefore,
        blocksAfter: after.blocks,
        sizeBefore: before.size,
        sizeAfter: after.size,
        reclaimedBytes: Math.max(0, before.size - after.size),
        zeroBlocks,
        zeroBytes: zeroBlocks * map.blockSize,
        freeSpaceBlocks: after.freeBlocks,
        freeSpaceBytes: after.freeBlocks * map.blockSize,
        volumes,
        outsidePartitionsBytes: Math.max(0, after.freeBlocks * map.blockSize - reclaimedByVolumes),
        zerosOnly,
        dryRun,
      };
    };
    if (options.dryRun) return done(await compaction.estimate(image, control, free), true);
    let after: Compacted = { blocks: 0, size: 0, freeBlocks: 0 };
    await writeNewFile(
      output,
      control.signal,
      async (file) => {
        after = await compaction.rewrite(file, image, control, free);
        if (inPlace) await image.close(); // Windows cannot replace a file that is still open
      },
      inPlace ? { replace: true, mode: before.mode & 0o7777 } : { mode: await modeFrom([path], options.outputMode) },
    );
    return done(after, false);
  } finally {
    await image.close();
  }
}

/** "VHD or VHDX": the formats whose drivers compact. */
function compactedFormatNames(): string {
  return joinedWithOr(FORMAT_DRIVERS.filter((d) => d.compaction).map((d) => d.name));
}
