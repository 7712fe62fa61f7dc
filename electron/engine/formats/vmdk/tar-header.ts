// The ustar header of a member Platter writes into an OVA (POSIX 1003.1, as every OVF importer reads it).
import { BLOCK, tarChecksum } from './ova';

/** Largest size an 11-digit octal field holds (8 GiB - 1), and the 12-digit one GNU and libarchive read. */
const OCTAL_11 = 8 ** 11;
const OCTAL_12 = 8 ** 12;

function putText(header: Uint8Array, at: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new RangeError(`tar field of ${length} bytes cannot hold "${text}"`);
  header.set(bytes, at);
}

function putOctal(header: Uint8Array, at: number, length: number, value: number): void {
  putText(header, at, length, value.toString(8).padStart(length - 1, '0'));
}

/** The size field: octal while it fits, base-256 (GNU) for a member past 64 GiB. */
function putSize(header: Uint8Array, size: number): void {
  if (size < OCTAL_11) return putOctal(header, 124, 12, size);
  if (size < OCTAL_12) return putText(header, 124, 12, size.toString(8).padStart(12, '0'));
  header[124] = 0x80;
  let rest = size;
  for (let i = 135; i > 124; i--) {
    header[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

/** A regular file's header: mode 0644, owner root, the given size and modification time. */
export function tarHeader(name: string, size: number, mtime: Date): Uint8Array {
  const header = new Uint8Array(BLOCK);
  putText(header, 0, 100, name);
  putOctal(header, 100, 8, 0o644);
  putOctal(header, 108, 8, 0);
  putOctal(header, 116, 8, 0);
  putSize(header, size);
  putOctal(header, 136, 12, Math.floor(mtime.getTime() / 1000));
  header[156] = 0x30; // '0': a regular file
  putText(header, 257, 6, 'ustar');
  putText(header, 263, 2, '00');
  putText(header, 265, 32, 'root');
  putText(header, 297, 32, 'root');
  // Six octal digits, a NUL and a space, as tar itself writes it.
  putText(header, 148, 8, tarChecksum(header).toString(8).padStart(6, '0') + '\0 ');
  return header;
}

/** Bytes after a member of `size` up to the next header. */
export function tarPadding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
