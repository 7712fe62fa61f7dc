// An OVA: a tar (ustar) holding an OVF descriptor first, then its disks. Its VMDKs are read in place, each as a
// slice of the tar, never unpacked.
import { PlatterError } from '../../errors';
import { pushExtent } from '../../image/disk-image';
import type { Extent } from '../../image/disk-image';
import { ascii } from '../fields';

/** What a slice needs of the file it lies in (a RandomAccessFile). */
export interface ExtentFile {
  readonly path: string;
  readonly size: number;
  read(target: Uint8Array, position: number): Promise<void>;
  readAt(position: number, length: number): Promise<Uint8Array>;
  extents(length: number): Extent[];
  close(): Promise<void>;
}

export const BLOCK = 512;
/** More members than any OVA has; each is a 512-byte header read. */
const MAX_MEMBERS = 4096;

export interface TarMember {
  readonly name: string;
  /** Byte in the tar where the member's data starts. */
  readonly offset: number;
  readonly size: number;
}

/** A member's size: octal, or (GNU tar, for members of 8 GiB and more) base-256 behind a 0x80 byte. */
function memberSize(header: Uint8Array): number | null {
  if (header[124] !== 0x80) return octal(header, 124, 12);
  let size = 0;
  for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
  return Number.isSafeInteger(size) ? size : null;
}

function octal(header: Uint8Array, at: number, length: number): number | null {
  const text = ascii(header, at, length)
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]{1,12}$/.test(text) ? parseInt(text, 8) : null;
}

/** A ustar header's checksum: the unsigned sum of its bytes, the checksum field counted as spaces. */
export function tarChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** Whether `header` is a ustar header whose checksum holds. */
function isTarHeader(header: Uint8Array): boolean {
  return header.length >= BLOCK && ascii(header, 257, 5) === 'ustar' && octal(header, 148, 8) === tarChecksum(header);
}

function nameOf(header: Uint8Array): string {
  const cut = (at: number, n: number) => ascii(header, at, n).split('\0')[0]!;
  const prefix = cut(345, 155);
  return Buffer.from(prefix ? `${prefix}/${cut(0, 100)}` : cut(0, 100), 'latin1').toString('utf8');
}

/** Whether the file's first bytes are an OVA's: a tar whose first member is the .ovf. */
export function looksLikeOva(head: Uint8Array): boolean {
  return isTarHeader(head) && nameOf(head).toLowerCase().endsWith('.ovf');
}

function badOva(path: string, message: string): PlatterError {
  return new PlatterError(
    'VMDK_BAD_DESCRIPTOR',
    `the OVA ${path} ${message}`,
    'the file was cut short or damaged; copy it again',
    {
      path,
    },
  );
}

/** The regular files of the tar, every header checked and every member within the file. */
export async function tarMembers(file: ExtentFile): Promise<TarMember[]> {
  const members: TarMember[] = [];
  let at = 0;
  while (at + BLOCK <= file.size && members.length < MAX_MEMBERS) {
    const header = await file.readAt(at, BLOCK);
    if (header.every((b) => b === 0)) break; // the end-of-archive blocks
    if (!isTarHeader(header)) throw badOva(file.path, `has a damaged tar header at byte ${at}`);
    const size = memberSize(header);
    if (size === null || at + BLOCK + size > file.size)
      throw badOva(file.path, `has a member at byte ${at} that passes the end of the file`);
    const type = String.fromCharCode(header[156]!);
    if (type === '0' || type === '\0') members.push({ name: nameOf(header), offset: at + BLOCK, size });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return members;
}

/** A member of the tar read as a file of its own (closing it leaves the tar open: its owner closes that). */
export class SlicedFile implements ExtentFile {
  constructor(
    private readonly base: ExtentFile,
    private readonly member: TarMember,
  ) {}

  get path(): string {
    return `${this.base.path}:${this.member.name}`;
  }

  get size(): number {
    return this.member.size;
  }

  private check(position: number, length: number): void {
    if (!Number.isSafeInteger(position) || position < 0 || position + length > this.size)
      throw new PlatterError(
        'VHD_TRUNCATED',
        `${this.path} is shorter than its structures say: a read at ${position} of ${length} bytes passes its end (${this.size} bytes)`,
        'the OVA was cut short (an interrupted copy or download); copy it again',
        { path: this.base.path, offset: position },
      );
  }

  read(target: Uint8Array, position: number): Promise<void> {
    this.check(position, target.length);
    return this.base.read(target, this.member.offset + position);
  }

  readAt(position: number, length: number): Promise<Uint8Array> {
    this.check(position, length);
    return this.base.readAt(this.member.offset + position, length);
  }

  extents(length: number): Extent[] {
    const list: Extent[] = [];
    pushExtent(list, 0, Math.min(length, this.size), 'data');
    pushExtent(list, this.size, length - this.size, 'zero');
    return list;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
