// What a file that no format claims and that holds no partition table or file system plainly is, when it is not
// a disk at all: smaller than a sector, text, or a document or archive by its signature. The app asks before it
// treats such a file as a raw disk; a blank or unknown binary file is still a disk (a fresh one holds zeros).
import type { NotADiskHint } from '../../../shared/image';

const SECTOR = 512;
/** How much of the file the text test reads. */
export const HINT_BYTES = 4096;

/** Leading signatures of common files that are never disks, as `file(1)` knows them. */
const SIGNATURES: readonly { readonly kind: NotADiskHint; readonly bytes: readonly number[] }[] = [
  { kind: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { kind: 'archive', bytes: [0x50, 0x4b, 0x03, 0x04] }, // zip (and docx, jar, apk)
  { kind: 'archive', bytes: [0x1f, 0x8b] }, // gzip
  { kind: 'archive', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] }, // xz
  { kind: 'archive', bytes: [0x28, 0xb5, 0x2f, 0xfd] }, // zstd
  { kind: 'archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] }, // 7-zip
  { kind: 'picture', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] }, // PNG
  { kind: 'picture', bytes: [0xff, 0xd8, 0xff] }, // JPEG
];

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

/** Printable UTF-8 with no NUL and no control characters but line breaks: a disk's first sector is never that. */
function isText(head: Uint8Array): boolean {
  if (head.length === 0 || head.includes(0)) return false;
  const text = new TextDecoder('utf-8').decode(head);
  // A multi-byte character cut at the end of the sample decodes as one replacement character there.
  const cut = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
  if (cut.includes('\uFFFD')) return false;
  for (const ch of cut) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 || c === 0x7f) && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Why the file is plainly not a disk, or null. `head` is up to HINT_BYTES from its start; call it only for a file
 * no format claims and in which no partition table or file system was found.
 */
export function notADiskHint(head: Uint8Array, fileSize: number): NotADiskHint | null {
  if (fileSize < SECTOR) return 'too-small';
  for (const s of SIGNATURES) if (startsWith(head, s.bytes)) return s.kind;
  return isText(head.subarray(0, HINT_BYTES)) ? 'text' : null;
}
