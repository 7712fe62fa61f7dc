// Opening a qcow2 image: its structure, then its backing file, found as qemu finds it (a relative name is taken
// from the overlay's folder) and opened through the parent opener in whatever format it is.
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import type { RandomAccessFile } from '../../io/random-access-file';
import type { ParentOpener } from '../driver';
import { Qcow2Image } from './qcow2-image';
import { readQcow2Structure } from './structure';
import type { Qcow2Structure } from './structure';

/** Where qemu looks for the backing file `name` of the image at `overlayPath`. */
export function backingPath(overlayPath: string, name: string): string {
  return isAbsolute(name) ? name : join(dirname(overlayPath), name);
}

/** The backing file's path, checked to exist; VHD_PARENT_NOT_FOUND names it and where it was looked for. */
export async function findBacking(overlayPath: string, name: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(name) && !isAbsolute(name))
    throw new PlatterError(
      'UNSUPPORTED',
      `${overlayPath} names its backing file as "${name}", a protocol or option string Platter does not follow`,
      'rebase it onto a plain file with `qemu-img rebase -b FILE`, or convert it with qemu-img',
      { path: overlayPath },
    );
  const path = backingPath(overlayPath, name);
  const found = await stat(path).then(
    (s) => s.isFile() || s.isBlockDevice(),
    () => false,
  );
  if (!found)
    throw new PlatterError(
      'VHD_PARENT_NOT_FOUND',
      `the backing file ${name} of ${overlayPath} was not found; looked in ${path}`,
      'put the backing file back where the overlay records it, or point the overlay at it with `qemu-img rebase -u -b FILE`',
      { path: overlayPath, parentName: name, candidates: [path] },
    );
  return path;
}

/** A raw backing file is read as raw when the overlay says so, or names no format (qemu probes it). */
function rawAllowed(structure: Qcow2Structure): boolean {
  const format = structure.extensions.backingFormat;
  return format === null || format === 'raw';
}

export async function openQcow2(file: RandomAccessFile, openParent: ParentOpener): Promise<DiskImage> {
  const structure = await readQcow2Structure(file);
  if (!structure.backingName) return new Qcow2Image(file, structure, null);
  const path = await findBacking(file.path, structure.backingName);
  const parent = await openParent(path, { allowRaw: rawAllowed(structure) });
  return new Qcow2Image(file, structure, parent);
}
