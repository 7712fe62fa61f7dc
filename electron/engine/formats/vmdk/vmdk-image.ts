// A VMDK read as one disk: its extents one after another, and for a delta link (a snapshot) its parent beneath
// what its sparse extents do not hold.
import { PlatterError } from '../../errors';
import { checkReadRange } from '../../image/disk-image';
import type { DiskImage, Extent } from '../../image/disk-image';
import { overlayExtents, readBeneath } from '../../image/layers';
import { RandomAccessFile } from '../../io/random-access-file';
import type { ParentOpener } from '../driver';
import { NO_PARENT_CID } from './descriptor';
import type { Run } from './extent-reader';
import { candidatePaths, firstExisting } from './locate';
import { readVmdkStructure } from './vmdk-structure';
import type { VmdkStructure } from './vmdk-structure';

export class VmdkImage implements DiskImage {
  readonly format = 'vmdk' as const;
  /** Where each extent starts in the virtual disk. */
  private readonly starts: number[] = [];

  constructor(
    readonly path: string,
    readonly structure: VmdkStructure,
    readonly parent: DiskImage | null,
  ) {
    let at = 0;
    for (const e of structure.extents) {
      this.starts.push(at);
      at += e.reader.bytes;
    }
  }

  get virtualSize(): number {
    return this.structure.virtualSize;
  }

  get cid(): string | null {
    return this.structure.descriptor.cid;
  }

  /** The extent holding virtual byte `position`. */
  private extentAt(position: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    let done = 0;
    while (done < target.length) {
      const pos = position + done;
      const i = this.extentAt(pos);
      const extent = this.structure.extents[i]!.reader;
      const start = this.starts[i]!;
      const length = Math.min(start + extent.bytes - pos, target.length - done);
      const segment = target.subarray(done, done + length);
      await extent.read(segment, pos - start, (s, at) => readBeneath(this.parent, s, start + at));
      done += length;
    }
  }

  /** This file's own runs over the whole virtual disk (the parent not looked at). */
  async ownRuns(): Promise<Run[]> {
    const list: Run[] = [];
    for (const [i, e] of this.structure.extents.entries())
      for (const r of await e.reader.runs()) list.push({ ...r, offset: r.offset + this.starts[i]! });
    return list;
  }

  async extents(): Promise<Extent[]> {
    const beneath = this.parent ? await this.parent.extents() : [];
    return overlayExtents(await this.ownRuns(), beneath);
  }

  async close(): Promise<void> {
    await this.structure.close();
    await this.parent?.close();
  }
}

/** Where the parent a delta link names lies (its parentFileNameHint), or a VHD_PARENT_NOT_FOUND error. */
export async function findVmdkParent(s: VmdkStructure): Promise<string> {
  const hint = s.descriptor.parentFileNameHint;
  const candidates = hint ? candidatePaths(s.descriptorPath, hint) : [];
  const found = await firstExisting(candidates);
  if (found) return found;
  throw new PlatterError(
    'VHD_PARENT_NOT_FOUND',
    hint
      ? `the parent ${hint} of ${s.descriptorPath} was not found; looked in ${candidates.join(', ')}`
      : `${s.descriptorPath} is a VMDK delta link (parentCID ${s.descriptor.parentCid}) that names no parentFileNameHint`,
    'put the parent disk back where the child says (beside it, as VMware keeps snapshots)',
    { path: s.descriptorPath, parentName: hint ?? '', parentGuid: s.descriptor.parentCid },
  );
}

export function hasParent(s: VmdkStructure): boolean {
  return s.descriptor.parentCid !== NO_PARENT_CID;
}

export async function openVmdk(file: RandomAccessFile, openParent: ParentOpener): Promise<VmdkImage> {
  const structure = await readVmdkStructure(file);
  try {
    const parent = hasParent(structure) ? await openParent(await findVmdkParent(structure)) : null;
    return new VmdkImage(file.path, structure, parent);
  } catch (err) {
    // The caller closes `file`; the extents this opened are closed here.
    await structure.close().catch(() => undefined);
    throw err;
  }
}

/** The CID of the VMDK at `path` (what a delta link's parentCID names), or null. */
export async function readVmdkCid(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path).catch(() => null);
  if (!file) return null;
  try {
    const s = await readVmdkStructure(file).catch(() => null);
    if (!s) return null;
    const cid = s.descriptor.cid;
    await s.close();
    return cid;
  } finally {
    await file.close();
  }
}

/** The parentCID of the delta link at `path`, or null for a disk of its own (or no VMDK). */
export async function readVmdkParentCid(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path).catch(() => null);
  if (!file) return null;
  try {
    const s = await readVmdkStructure(file).catch(() => null);
    if (!s) return null;
    await s.close();
    return hasParent(s) ? s.descriptor.parentCid : null;
  } finally {
    await file.close();
  }
}
