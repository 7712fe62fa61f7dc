// Which file system a volume holds, from its superblock signatures (the ones blkid checks, with its names), and
// its label where the superblock keeps one. Reads only the first PROBE_BYTES of the volume.
import type { FileSystemFound } from '../../../shared/image';

/** A file system found by its signature: blkid's name for it (ntfs, vfat, ext4, swap...) and its label. */
export type FileSystemProbe = FileSystemFound;

/** Enough for every signature below (Btrfs keeps its superblock at 64 KiB, its label 299 bytes into it). */
export const PROBE_BYTES = 72 * 1024;

const latin = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function text(b: Uint8Array, at: number, length: number): string {
  return at + length <= b.length ? latin.decode(b.subarray(at, at + length)) : '';
}

/** A NUL- or space-padded label; null when empty. */
function label(b: Uint8Array, at: number, length: number, decoder = utf8): string | null {
  if (at + length > b.length) return null;
  const raw = b.subarray(at, at + length);
  const end = raw.indexOf(0);
  const value = decoder.decode(end < 0 ? raw : raw.subarray(0, end)).trimEnd();
  return value === '' ? null : value;
}

function u16(b: Uint8Array, at: number): number {
  return at + 2 <= b.length ? b[at]! | (b[at + 1]! << 8) : -1;
}

function u32(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : -1;
}

const EXT_SUPER = 1024;
/** ext4 features beyond ext3 (incompat: extents, 64bit, flex_bg, ...; ro_compat: huge_file, gdt_csum, ...). */
const EXT4_INCOMPAT = 0x0040 | 0x0080 | 0x0200 | 0x0400 | 0x1000 | 0x2000 | 0x8000 | 0x10000;
const EXT4_RO_COMPAT = 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0400;

function ext(b: Uint8Array): FileSystemProbe | null {
  if (u16(b, EXT_SUPER + 56) !== 0xef53) return null;
  const compat = u32(b, EXT_SUPER + 92);
  const incompat = u32(b, EXT_SUPER + 96);
  const roCompat = u32(b, EXT_SUPER + 100);
  const type = incompat & EXT4_INCOMPAT || roCompat & EXT4_RO_COMPAT ? 'ext4' : compat & 0x0004 ? 'ext3' : 'ext2';
  return { type, label: label(b, EXT_SUPER + 120, 16) };
}

function fat(b: Uint8Array): FileSystemProbe | null {
  if (b[510] !== 0x55 || b[511] !== 0xaa) return null;
  const fat32 = text(b, 82, 8) === 'FAT32   ';
  const older = /^FAT(12|16| )/.test(text(b, 54, 8));
  if (!fat32 && !older) return null;
  const name = label(b, fat32 ? 71 : 43, 11, latin);
  return { type: 'vfat', label: name === 'NO NAME' ? null : name };
}

export function probeFileSystem(b: Uint8Array): FileSystemProbe | null {
  if (text(b, 3, 8) === 'NTFS    ') return { type: 'ntfs', label: null };
  if (text(b, 3, 8) === 'EXFAT   ') return { type: 'exfat', label: null };
  const fatFs = fat(b);
  if (fatFs) return fatFs;
  if (text(b, 0, 4) === 'XFSB') return { type: 'xfs', label: label(b, 108, 12) };
  if (text(b, 65536 + 64, 8) === '_BHRfS_M') return { type: 'btrfs', label: label(b, 65536 + 299, 256) };
  const extFs = ext(b);
  if (extFs) return extFs;
  if (text(b, 4096 - 10, 10) === 'SWAPSPACE2' || text(b, 4096 - 10, 10) === 'SWAP-SPACE')
    return { type: 'swap', label: label(b, 1024 + 28, 16) };
  if (text(b, 32769, 5) === 'CD001') return { type: 'iso9660', label: label(b, 32768 + 40, 32, latin) };
  if (u32(b, 65536 + 1372) === 0x19540119 || u32(b, 8192 + 1372) === 0x011954) return { type: 'ufs', label: null };
  if (text(b, 512, 8) === 'LABELONE' && text(b, 512 + 24, 8) === 'LVM2 001')
    return { type: 'LVM2_member', label: null };
  if (text(b, 1024, 2) === 'H+' || text(b, 1024, 2) === 'HX') return { type: 'hfsplus', label: null };
  if (text(b, 32, 4) === 'NXSB') return { type: 'apfs', label: null };
  return null;
}
