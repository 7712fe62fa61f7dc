// The job worker runs from app.asar.unpacked in the packaged app (electron-builder.yml asarUnpack): worker
// threads then load it, its chunks and the sparse-file addon from real files, whatever the Electron version's
// asar support in workers.
import { sep } from 'node:path';

export function unpackedPath(path: string): string {
  const packed = `${sep}app.asar${sep}`;
  return path.includes(packed) ? path.replace(packed, `${sep}app.asar.unpacked${sep}`) : path;
}
