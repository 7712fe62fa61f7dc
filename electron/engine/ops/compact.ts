import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { CompactResult } from '../../../shared/jobs';
import type { Compacted } from '../formats/driver';
import { FORMAT_DRIVERS, driverFor, joinedWithOr } from '../formats/table';
import { openImage } from '../image/open-image';
import { modeFrom, writeNewFile } from '../io/output-file';
import type { JobControl } from './progress';

export interface CompactOptions {
  readonly path: string;
  /** Write the compacted image here and leave the original alone; default: compact in place. */
  readonly output?: string;
  /** Only work out what compacting would reclaim (reading every allocated block); write nothing. */
  readonly dryRun?: boolean;
  /** With `output`: the most permission bits the copy may have (never more than the original's). */
  readonly outputMode?: number;
}

export type { CompactResult };

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
    const done = (after: Compacted, dryRun: boolean): CompactResult => ({
      path,
      output,
      blocksBefore,
      blocksAfter: after.blocks,
      sizeBefore: before.size,
      sizeAfter: after.size,
      reclaimedBytes: Math.max(0, before.size - after.size),
      dryRun,
    });
    if (options.dryRun) return done(await compaction.estimate(image, control), true);
    let after: Compacted = { blocks: 0, size: 0 };
    await writeNewFile(
      output,
      control.signal,
      async (file) => {
        after = await compaction.rewrite(file, image, control);
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
