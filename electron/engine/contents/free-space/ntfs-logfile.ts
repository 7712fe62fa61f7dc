// Whether NTFS's journal ($LogFile, MFT record 2) holds changes not yet written to the volume: a Windows crash or
// power cut leaves them there, and $Bitmap may then call clusters free that replaying the log would allocate. As
// ntfs-3g judges it: an emptied log (all 0xFF, as chkdsk and ntfs-3g leave it) is clean; a restart area with a
// client in use is clean only with its volume-is-clean flag. The newer of the two restart pages counts.
import { attributes, fixedUp, readStream, unnamed } from './ntfs-records';
import type { NtfsGeometry } from './ntfs-records';
import type { ReadRecord } from './ntfs-hiberfile';
import { dataView } from './volume';
import type { Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const LOGFILE_RECORD = 2;
const DATA = 0x80;
const NO_CLIENT = 0xffff;
const VOLUME_IS_CLEAN = 0x0002;
const UNREADABLE =
  'its journal ($LogFile) cannot be read: boot Windows and shut it down fully (or run `chkdsk /f`), then compact again';
const UNCLEAN =
  'its journal ($LogFile) holds changes not yet written (Windows did not shut down cleanly): boot Windows and shut ' +
  'it down fully (fast startup off), or run `chkdsk /f`, then compact again';

interface RestartPage {
  readonly lsn: bigint;
  readonly clean: boolean;
}

/** The restart page at the start of `page`; null when it is no restart page. */
function restartPage(page: Uint8Array): RestartPage | null {
  if (String.fromCharCode(...page.subarray(0, 4)) !== 'RSTR') return null;
  const v = dataView(page);
  const systemPage = v.getUint32(16, true);
  if (systemPage !== page.length) return null;
  try {
    fixedUp(page, 'RSTR', 'journal restart page');
  } catch {
    return null;
  }
  const area = v.getUint16(24, true);
  if (area + 16 > page.length) return null;
  const inUse = v.getUint16(area + 12, true);
  const flags = v.getUint16(area + 14, true);
  return { lsn: v.getBigUint64(area, true), clean: inUse === NO_CLIENT || (flags & VOLUME_IS_CLEAN) !== 0 };
}

/** Null when the journal holds nothing to replay, else the reason to keep the volume whole. */
export async function journalState(
  image: DiskImage,
  volume: Volume,
  geometry: NtfsGeometry,
  readRecord: ReadRecord,
): Promise<string | null> {
  const record = await readRecord(LOGFILE_RECORD).catch(() => null);
  const data = record ? unnamed(attributes(record, geometry.totalClusters), DATA) : undefined;
  if (!data || data.resident || data.initializedSize < 8192) return UNREADABLE;
  const head = await readStream(image, volume, geometry, data.runs, 0, 4);
  if (head.every((b) => b === 0xff)) return null; // emptied
  const first = await readStream(image, volume, geometry, data.runs, 0, 512);
  const size = dataView(first).getUint32(16, true);
  if (![512, 1024, 2048, 4096, 8192, 16384, 32768, 65536].includes(size) || 2 * size > data.initializedSize)
    return UNREADABLE;
  const pages = [
    restartPage(await readStream(image, volume, geometry, data.runs, 0, size)),
    restartPage(await readStream(image, volume, geometry, data.runs, size, size)),
  ].filter((p): p is RestartPage => p !== null);
  if (pages.length === 0) return UNREADABLE;
  const newest = pages.reduce((a, b) => (b.lsn > a.lsn ? b : a));
  return newest.clean ? null : UNCLEAN;
}
