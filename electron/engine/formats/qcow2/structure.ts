// Everything of a qcow2 image but its data and L2 tables: the header, its extensions, the backing file's name,
// the active L1 table (every entry checked) and the snapshot table. What Platter cannot read is refused here with
// a reason: an external data file, encryption (header.ts), an unknown feature.
import { PlatterError, namingPath } from '../../errors';
import type { RandomAccessFile } from '../../io/random-access-file';
import { view } from '../fields';
import { l1EntryOffset } from './entries';
import { parseExtensions } from './extensions';
import type { Qcow2Extensions } from './extensions';
import { INCOMPATIBLE, V3_HEADER_LENGTH, badHeader, parseQcow2Header } from './header';
import type { Qcow2Header } from './header';
import { readSnapshots } from './snapshots';
import type { Qcow2Snapshot } from './snapshots';

export interface Qcow2Structure {
  readonly header: Qcow2Header;
  readonly extensions: Qcow2Extensions;
  /** The backing file's name as recorded (qemu resolves a relative one against the image's folder), or null. */
  readonly backingName: string | null;
  /** Each L1 entry's L2 table offset, 0 where the table is absent. */
  readonly l1: Float64Array;
  readonly snapshots: readonly Qcow2Snapshot[];
  /** Bytes the snapshot table takes from the header's snapshot offset. */
  readonly snapshotTableBytes: number;
  readonly dirty: boolean;
  readonly corrupt: boolean;
  readonly warnings: readonly string[];
}

export function readQcow2Structure(file: RandomAccessFile): Promise<Qcow2Structure> {
  return namingPath(file.path, () => readStructure(file));
}

async function readStructure(file: RandomAccessFile): Promise<Qcow2Structure> {
  const size = file.size;
  const header = parseQcow2Header(await file.readAt(0, Math.min(size, V3_HEADER_LENGTH)), size);
  const first = await file.readAt(0, Math.min(size, header.clusterSize));
  const extensionsEnd = header.backingFileOffset !== 0 ? header.backingFileOffset : first.length;
  if (extensionsEnd < header.headerLength) throw badHeader('places its backing file name inside the header');
  const extensions = parseExtensions(first.subarray(header.headerLength, extensionsEnd));
  const has = (bit: bigint) => (header.incompatibleFeatures & bit) !== 0n;
  if (has(INCOMPATIBLE.externalDataFile))
    throw new PlatterError(
      'UNSUPPORTED',
      `it keeps its data in an external data file${extensions.externalDataFile ? ` (${extensions.externalDataFile})` : ''}, which Platter does not read`,
      'make a self-contained copy with `qemu-img convert -O qcow2` (run from the folder of the data file), then open that',
    );
  const backingName =
    header.backingFileOffset !== 0
      ? Buffer.from(
          first.subarray(header.backingFileOffset, header.backingFileOffset + header.backingFileSize),
        ).toString('utf8')
      : null;
  const l1 = new Float64Array(header.l1Size);
  if (header.l1Size > 0) {
    const dv = view(await file.readAt(header.l1TableOffset, header.l1Size * 8));
    for (let i = 0; i < header.l1Size; i++) l1[i] = l1EntryOffset(dv, i, header, size);
  }
  const { snapshots, tableBytes } = await readSnapshots(header, size, (p, n) => file.readAt(p, n));
  const dirty = has(INCOMPATIBLE.dirty);
  const corrupt = has(INCOMPATIBLE.corrupt);
  const warnings: string[] = [];
  if (dirty)
    warnings.push(
      'the image is marked dirty (it was not closed cleanly): its refcounts may be out of date; `qemu-img check -r all` rebuilds them',
    );
  if (corrupt)
    warnings.push(
      'the image is marked corrupt by qemu: its data may be damaged; `qemu-img check -r all` can repair it',
    );
  return {
    ...{ header, extensions, backingName: backingName || null, l1, snapshots, snapshotTableBytes: tableBytes },
    ...{ dirty, corrupt, warnings },
  };
}
