// Writes an OVA in one pass over the source, never a temporary VMDK beside it: the OVF descriptor's place is
// reserved first (the OVF must be the archive's first member, but it names the disk's size, known only at the
// end), then the stream-optimized disk is written straight into the tar and hashed as it goes, then the OVF
// (padded with spaces to its reserved size) and the manifest, which OVF allows at the end of the archive.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { DiskImage } from '../../image/disk-image';
import type { RandomAccessFile } from '../../io/random-access-file';
import { writeBlockContent } from '../../ops/write-content';
import type { ContentOptions } from '../../ops/write-content';
import type { Written } from '../output';
import { alignUp } from '../fields';
import { newDescriptor } from './new-descriptor';
import type { Adapter } from './new-descriptor';
import { BLOCK } from './ova';
import { ovfDescriptor } from './ovf-descriptor';
import { SECTOR } from './sparse-header';
import { StreamVmdkWriter } from './stream-writer';
import type { StreamTarget } from './stream-writer';
import { tarHeader, tarPadding } from './tar-header';

/** Whether a new VMDK of this name is an appliance. */
export function isOvaName(name: string): boolean {
  return name.toLowerCase().endsWith('.ova');
}

/** The disk's place in the tar: writes arrive in order (StreamVmdkWriter's promise), each hashed as it passes. */
class MemberTarget implements StreamTarget {
  private written = 0;
  readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly file: RandomAccessFile,
    private readonly start: number,
  ) {}

  get size(): number {
    return this.written;
  }

  async write(bytes: Uint8Array, position: number): Promise<void> {
    if (position !== this.written)
      throw new RangeError(`an OVA's disk is written in order (${position} after ${this.written})`);
    this.hash.update(bytes);
    this.written += bytes.length;
    await this.file.write(bytes, this.start + position);
  }

  async truncate(length: number): Promise<void> {
    if (length !== this.written)
      throw new RangeError(`an OVA's disk ends where it was written (${length}, ${this.written})`);
  }
}

/** Names the members after the OVA (what ovftool and VirtualBox do), short enough for a ustar name field. */
function memberNames(ovaPath: string): { vm: string; ovf: string; disk: string; manifest: string } {
  const vm = basename(ovaPath, extname(ovaPath)).slice(0, 80) || 'disk';
  return { vm, ovf: `${vm}.ovf`, disk: `${vm}-disk1.vmdk`, manifest: `${vm}.mf` };
}

/** Room for the OVF: its text with the largest size a member can have, and a block to spare. */
function reservedForOvf(vm: string, disk: string, capacity: number, adapter: Adapter): number {
  const longest = ovfDescriptor(vm, { fileName: disk, fileSize: Number.MAX_SAFE_INTEGER, capacity }, adapter);
  return alignUp(Buffer.byteLength(longest) + BLOCK, BLOCK);
}

export async function writeOva(
  file: RandomAccessFile,
  source: DiskImage,
  virtualSize: number,
  adapter: Adapter,
  pump: ContentOptions,
): Promise<Written> {
  const names = memberNames(file.shownPath);
  const mtime = new Date();
  const ovfRoom = reservedForOvf(names.vm, names.disk, virtualSize, adapter);
  const diskHeaderAt = BLOCK + ovfRoom;
  const target = new MemberTarget(file, diskHeaderAt + BLOCK);
  const { text, cid } = newDescriptor(
    'streamOptimized',
    { access: 'RW', sectors: virtualSize / SECTOR, type: 'SPARSE', fileName: names.disk, offset: 0 },
    adapter,
  );
  const diskSize = await writeBlockContent(source, new StreamVmdkWriter(target, virtualSize / SECTOR, text), pump);
  await file.write(tarHeader(names.disk, diskSize, mtime), diskHeaderAt);

  const ovfText = ovfDescriptor(names.vm, { fileName: names.disk, fileSize: diskSize, capacity: virtualSize }, adapter);
  const ovf = new Uint8Array(ovfRoom).fill(0x20);
  ovf.set(Buffer.from(ovfText));
  ovf[ovfRoom - 1] = 0x0a;
  await file.write(tarHeader(names.ovf, ovfRoom, mtime), 0);
  await file.write(ovf, BLOCK);

  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const manifest = Buffer.from(
    `SHA256(${names.ovf})= ${sha256(ovf)}\nSHA256(${names.disk})= ${target.hash.digest('hex')}\n`,
  );
  const manifestAt = diskHeaderAt + BLOCK + diskSize + tarPadding(diskSize);
  const tail = new Uint8Array(BLOCK + alignUp(manifest.length, BLOCK) + 2 * BLOCK); // the end: two zero blocks
  tail.set(tarHeader(names.manifest, manifest.length, mtime));
  tail.set(manifest, BLOCK);
  await file.write(tail, manifestAt);
  await file.truncate(manifestAt + tail.length);
  return { fileSize: file.size, identity: cid };
}
