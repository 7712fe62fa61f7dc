// Containers Platter does not read yet, known by their signatures: such a file is refused by name, never taken
// for a raw disk (its size would be the container's and its bytes the container's structures).
import { PlatterError } from '../errors';
import { ascii } from './fields';

interface ReadsBytes {
  readonly path: string;
  readonly size: number;
  readAt(position: number, length: number): Promise<Uint8Array>;
}

/** How much of the start the probes look at. */
const PROBE_BYTES = 1024;

/** Each format's name and whether the file's first bytes (and its last 512) are its signature. */
const SIGNATURES: readonly { name: string; matches(head: Uint8Array, tail: Uint8Array): boolean }[] = [
  { name: 'QED', matches: (h) => ascii(h, 0, 4) === 'QED\0' },
  { name: 'Parallels', matches: (h) => ['WithoutFreeSpace', 'WithouFreSpacExt'].includes(ascii(h, 0, 16)) },
  { name: 'Apple disk image (DMG)', matches: (_h, t) => t.length === 512 && ascii(t, 0, 4) === 'koly' },
];

/** The name of the container format `file` is in, when it is one Platter knows but does not read; else null. */
export async function foreignFormat(file: ReadsBytes): Promise<string | null> {
  const head = await file.readAt(0, Math.min(PROBE_BYTES, file.size));
  const tail = file.size >= 512 ? await file.readAt(file.size - 512, 512) : new Uint8Array(0);
  return SIGNATURES.find((s) => s.matches(head, tail))?.name ?? null;
}

export function unsupportedFormat(path: string, format: string): PlatterError {
  return new PlatterError(
    'UNSUPPORTED',
    `${path} is a ${format} image, which Platter cannot read yet`,
    'convert it to a raw or VHD image with the tool that made it (for example `qemu-img convert -O vpc`), then use that',
    { path, format },
  );
}
