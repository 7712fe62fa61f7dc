// What the list says of each disk found: its sizes, whether WSL or Docker has it open, and what compacting would
// reclaim. The reclaimable figure is compact's own dry run, so it counts whatever compact drops.
import { isPlatterError } from '../errors';
import { describeImage } from '../ops/chain';
import { compactImage } from '../ops/compact';
import type { JobControl } from '../ops/progress';
import { RandomAccessFile } from '../io/random-access-file';
import type { OtherUse } from '../io/image-lock';

/** The engine's reads of one disk, injected so that tests can stand in for them. */
export interface DiskReader {
  /**
   * 'in-use' when another program has the file open: Windows refuses the open (EBUSY) while WSL or Docker runs
   * the disk; elsewhere the image locks tell (io/image-lock.ts).
   */
  inUse(path: string): Promise<boolean>;
  virtualSize(path: string): Promise<number>;
  /** Bytes compacting would reclaim (compact --dry-run). */
  reclaimable(path: string, control: JobControl): Promise<number>;
}

async function heldByOthers(path: string): Promise<OtherUse> {
  const file = await RandomAccessFile.open(path);
  try {
    return file.otherUse();
  } finally {
    await file.close();
  }
}

export const engineDiskReader: DiskReader = {
  async inUse(path) {
    try {
      return (await heldByOthers(path)) !== null;
    } catch (err) {
      if (isPlatterError(err, 'IN_USE')) return true;
      throw err;
    }
  },
  async virtualSize(path) {
    return (await describeImage(path)).description.virtualSize;
  },
  async reclaimable(path, control) {
    return (await compactImage({ path, dryRun: true }, control)).reclaimedBytes;
  },
};
