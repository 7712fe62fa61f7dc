// A differencing VDI names its parent by UUID only (no path): VirtualBox finds it in its media registry. Platter
// looks where VirtualBox keeps the files of one machine: the child's own folder (a chain of snapshots in
// Snapshots/), and, for a child in a folder named Snapshots, the machine's folder above it (the base disk).
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PlatterError } from '../../errors';
import { RandomAccessFile } from '../../io/random-access-file';
import { HEADER_READ_SIZE, hasVdiSignature, parseVdiHeader } from './header';
import type { VdiHeader } from './header';

/** Files looked at in one folder at most: a folder of thousands of images is not searched through. */
const MAX_CANDIDATES = 4096;

/** The header of the VDI at `path`, or null when it is not a readable one. */
export async function readVdiHeaderAt(path: string): Promise<VdiHeader | null> {
  let file: RandomAccessFile | undefined;
  try {
    file = await RandomAccessFile.open(path);
    const head = await file.readAt(0, Math.min(HEADER_READ_SIZE, file.size));
    return hasVdiSignature(head) ? parseVdiHeader(head) : null;
  } catch {
    return null;
  } finally {
    await file?.close();
  }
}

/** The folders searched for the parent of the child at `childPath`. */
export function parentFolders(childPath: string): string[] {
  const own = dirname(resolve(childPath));
  return basename(own).toLowerCase() === 'snapshots' ? [own, dirname(own)] : [own];
}

async function vdiFilesIn(folder: string): Promise<string[]> {
  try {
    const names = await readdir(folder);
    return names
      .filter((n) => n.toLowerCase().endsWith('.vdi'))
      .sort()
      .slice(0, MAX_CANDIDATES)
      .map((n) => join(folder, n));
  } catch {
    return [];
  }
}

/** The path of the VDI whose image UUID is `parentUuid`; VHD_PARENT_NOT_FOUND naming the UUID and the folders. */
export async function findVdiParent(childPath: string, parentUuid: string): Promise<string> {
  const child = resolve(childPath);
  const folders = parentFolders(child);
  for (const folder of folders) {
    for (const candidate of await vdiFilesIn(folder)) {
      if (candidate === child) continue;
      if ((await readVdiHeaderAt(candidate))?.uuid === parentUuid) return candidate;
    }
  }
  throw new PlatterError(
    'VHD_PARENT_NOT_FOUND',
    `the parent of ${child} (a VDI with UUID ${parentUuid}) was not found among the .vdi files in ${folders.join(' and ')}`,
    'put the parent disk back beside the child (VirtualBox keeps a snapshot beside its parent, or in Snapshots/ below the base disk)',
    { path: child, parentGuid: parentUuid, candidates: folders },
  );
}
