// Where a VMDK's pieces are: the descriptor beside an extent (`disk-flat.vmdk`, `disk-s001.vmdk`,
// `disk-000001-delta.vmdk` are extents of `disk.vmdk`, `disk-000001.vmdk`), and each extent the descriptor names.
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { MAX_DESCRIPTOR_BYTES, looksLikeDescriptor, parseDescriptor } from './descriptor';
import type { VmdkDescriptor } from './descriptor';

/** The names VMware and qemu give extents: the descriptor's name, then -flat, -delta, -sNNN or -fNNN. */
const EXTENT_NAME = /^(.+?)-(flat|delta|s\d{3}|f\d{3})\.vmdk$/i;

/** The descriptor file an extent's name points at, or null when the name is not an extent's. */
export function descriptorNameFor(path: string): string | null {
  const m = EXTENT_NAME.exec(basename(path));
  return m ? join(dirname(path), `${m[1]}.vmdk`) : null;
}

export async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/** Where to look for an extent (or a parent) the descriptor at `descriptorPath` names. */
export function candidatePaths(descriptorPath: string, name: string): string[] {
  const folder = dirname(descriptorPath);
  const list = [isAbsolute(name) ? name : resolve(folder, name)];
  // A name written on Windows (C:\vms\disk-flat.vmdk, or a relative one with backslashes): its last part, here.
  const last = name.split(/[\\/]/).pop()!;
  if (last && last !== name) list.push(join(folder, last));
  return [...new Set(list)];
}

/** The first of `paths` that exists, or null. */
export async function firstExisting(paths: readonly string[]): Promise<string | null> {
  for (const p of paths) if (await exists(p)) return p;
  return null;
}

export interface SiblingDescriptor {
  readonly path: string;
  readonly descriptor: VmdkDescriptor;
}

/** Reads a small text file, or null when it is missing, too big or not a descriptor. */
export async function readDescriptorFile(path: string): Promise<string | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    if (size > MAX_DESCRIPTOR_BYTES) return null;
    const text = (await handle.readFile()).toString('utf8');
    return looksLikeDescriptor(text.slice(0, 1024)) ? text : null;
  } finally {
    await handle.close();
  }
}

/**
 * The text descriptor beside the extent at `extentPath` that lists it among its extents, or null. A descriptor
 * that names another file does not claim this one; one that cannot be parsed is reported (it is the one).
 */
export async function siblingDescriptor(extentPath: string): Promise<SiblingDescriptor | null> {
  const candidate = descriptorNameFor(extentPath);
  if (!candidate) return null;
  const text = await readDescriptorFile(candidate);
  if (text === null) return null;
  const descriptor = parseDescriptor(text, candidate);
  const self = resolve(extentPath);
  const lists = descriptor.extents.some(
    (e) => e.fileName !== null && candidatePaths(candidate, e.fileName).some((p) => resolve(p) === self),
  );
  return lists ? { path: candidate, descriptor } : null;
}
