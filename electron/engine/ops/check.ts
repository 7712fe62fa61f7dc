import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { detectFormat } from '../image/open-image';
import { hasPendingJournal, journalPathFor } from '../image/pending-journal';
import { RandomAccessFile } from '../image/random-access-file';
import { problemList } from './check/problems';
import type { AddProblem, CheckProblem } from './check/problems';
import { checkVhdParent } from './check/vhd-parent';
import { scanVhd } from './check/vhd-scan';
import type { VhdScan } from './check/vhd-scan';
import { checkVhdx } from './check/vhdx-check';

export type { CheckProblem } from './check/problems';

export interface CheckReport {
  readonly path: string;
  readonly problems: readonly CheckProblem[];
  /** True when there is no problem at all. */
  readonly clean: boolean;
}

/**
 * A read-only structural check of a VHD or VHDX that lists every problem it finds instead of stopping at the
 * first: footers, headers and checksums, the block table against the file and against itself, the file length,
 * a differencing disk's parent link, and an interrupted in-place change.
 */
export async function checkImage(path: string): Promise<CheckReport> {
  const absolute = resolve(path);
  const file = await RandomAccessFile.open(absolute);
  const { problems, add } = problemList();
  try {
    const interrupted = await checkInterrupted(absolute, add);
    const format = await detectFormat(file);
    if (format === 'vhdx') await checkVhdx(file, add);
    else if (format === 'vhd') await checkVhd(file, add);
    else if (!interrupted) {
      throw new PlatterError('UNSUPPORTED', `${absolute} is not a VHD image`, 'give the path of a .vhd or .vhdx file', {
        path: absolute,
      });
    }
  } finally {
    await file.close();
  }
  return { path: absolute, problems, clean: problems.length === 0 };
}

/** An undo journal beside the image: an in-place change (repair, resize, merge) was killed half-way. */
export async function checkInterrupted(image: string, add: AddProblem): Promise<boolean> {
  if (!(await hasPendingJournal(image))) return false;
  const message = `an earlier change to the image was interrupted and its undo journal ${journalPathFor(image)} remains; its structures may be half-written`;
  add('INTERRUPTED', 'error', null, message);
  return true;
}

/** Scans a VHD (whose file is open) and adds its problems, the parent link's included. */
export async function checkVhd(file: RandomAccessFile, add: AddProblem): Promise<VhdScan> {
  const scan = await scanVhd(file);
  for (const p of scan.problems) add(p.code, p.severity, p.offset, p.message);
  const footer = scan.footer?.parsed.footer;
  if (footer?.diskType === 'differencing' && scan.header) await checkVhdParent(file, footer.uuid, scan.header, add);
  return scan;
}
