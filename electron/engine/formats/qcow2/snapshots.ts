// The internal snapshot table: one variable-length entry per snapshot, each 8-byte aligned. Platter reads the
// active state only; the table is listed by `info` and its L1 tables are checked against the file.
import { PlatterError } from '../../errors';
import { u64, view } from '../fields';
import { DAMAGED } from './header';
import type { Qcow2Header } from './header';

export interface Qcow2Snapshot {
  readonly id: string;
  readonly name: string;
  /** ISO 8601. */
  readonly date: string;
  readonly l1TableOffset: number;
  readonly l1Size: number;
  readonly vmStateSize: number;
  /** The disk's size when it was taken, where the entry records it. */
  readonly diskSize: number | null;
}

const FIXED_PART = 40;
/** Bytes of snapshot table read at most: 65536 entries of a few hundred bytes. */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;

function badTable(message: string): PlatterError {
  return new PlatterError('QCOW2_BAD_TABLE', `its snapshot table ${message}`, DAMAGED);
}

/** Parses the table from `read`, which reads bytes of the file (bounded by its size). */
export async function readSnapshots(
  header: Qcow2Header,
  fileSize: number,
  read: (position: number, length: number) => Promise<Uint8Array>,
): Promise<{ snapshots: Qcow2Snapshot[]; tableBytes: number }> {
  const snapshots: Qcow2Snapshot[] = [];
  let at = header.snapshotsOffset;
  const limit = Math.min(fileSize, header.snapshotsOffset + MAX_TABLE_BYTES);
  for (let i = 0; i < header.snapshotCount; i++) {
    if (at + FIXED_PART > limit) throw badTable(`entry ${i + 1} starts past the end of the file`);
    const fixed = await read(at, FIXED_PART);
    const dv = view(fixed);
    const idSize = dv.getUint16(12);
    const nameSize = dv.getUint16(14);
    const extraSize = dv.getUint32(36);
    const length = FIXED_PART + extraSize + idSize + nameSize;
    if (extraSize > 1024 || at + length > limit) throw badTable(`entry ${i + 1} runs past the end of the file`);
    const rest = await read(at + FIXED_PART, length - FIXED_PART);
    const extra = view(rest.subarray(0, extraSize));
    const l1TableOffset = u64(dv, 0);
    const l1Size = dv.getUint32(8);
    if (l1TableOffset === null || l1TableOffset % header.clusterSize !== 0 || l1TableOffset + l1Size * 8 > fileSize)
      throw badTable(`entry ${i + 1} places its L1 table outside the file`);
    const seconds = dv.getUint32(16);
    snapshots.push({
      id: Buffer.from(rest.subarray(extraSize, extraSize + idSize)).toString('utf8'),
      name: Buffer.from(rest.subarray(extraSize + idSize, extraSize + idSize + nameSize)).toString('utf8'),
      date: new Date(seconds * 1000).toISOString(),
      l1TableOffset,
      l1Size,
      vmStateSize: extraSize >= 8 ? (u64(extra, 0) ?? dv.getUint32(32)) : dv.getUint32(32),
      diskSize: extraSize >= 16 ? u64(extra, 8) : null,
    });
    at += Math.ceil(length / 8) * 8;
  }
  return { snapshots, tableBytes: at - header.snapshotsOffset };
}
