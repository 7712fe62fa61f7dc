import type { RandomAccessFile } from '../../io/random-access-file';
import type { AddProblem } from '../../ops/check-problems';
import { checkVhdParent } from './vhd-parent-check';
import { scanVhd } from './vhd-scan';
import type { VhdScan } from './vhd-scan';

/** Scans a VHD (whose file is open) and adds its problems, the parent link's included. */
export async function checkVhd(file: RandomAccessFile, add: AddProblem): Promise<VhdScan> {
  const scan = await scanVhd(file);
  for (const p of scan.problems) add(p.code, p.severity, p.offset, p.message);
  const footer = scan.footer?.parsed.footer;
  if (footer?.diskType === 'differencing' && scan.header) await checkVhdParent(file, footer.uuid, scan.header, add);
  return scan;
}
