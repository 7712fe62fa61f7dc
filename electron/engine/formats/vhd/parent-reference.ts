import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import type { DynamicHeader } from './dynamic-header';
import { vhdTimeToDate } from '../fields';
import { PLATFORM, decodeLocatorPath, locatorDataRange, platformName } from './parent-locator';
import type { RandomAccessFile } from '../../io/random-access-file';
import { findParentFile } from '../parent-search';

export interface ParentLocator {
  readonly platform: string;
  /** The decoded path, or null when the locator holds none (a Mac OS alias) or could not be read. */
  readonly path: string | null;
  readonly offset: number;
  readonly length: number;
}

/** What a differencing child records about its parent. */
export interface ParentReference {
  readonly uuid: string;
  readonly name: string;
  readonly timestamp: string;
  readonly locators: readonly ParentLocator[];
}

/** Reads the parent name and locators of a differencing child; unreadable locators become warnings. */
export async function readParentReference(
  file: RandomAccessFile,
  header: DynamicHeader,
  warnings: string[],
): Promise<ParentReference> {
  const locators: ParentLocator[] = [];
  for (const entry of header.locators) {
    if (entry.platformCode === 0) continue;
    const platform = platformName(entry.platformCode);
    try {
      const range = locatorDataRange(entry, file.size);
      const data = await file.readAt(range.offset, range.length);
      locators.push({
        platform,
        path: decodeLocatorPath(entry.platformCode, data),
        offset: range.offset,
        length: range.length,
      });
    } catch (err) {
      warnings.push(err instanceof Error ? err.message : String(err));
      locators.push({ platform, path: null, offset: entry.dataOffset, length: entry.dataLength });
    }
  }
  return {
    uuid: header.parentUuid,
    name: header.parentName,
    timestamp: vhdTimeToDate(header.parentTimestamp).toISOString(),
    locators,
  };
}

const windowsAbsolute = /^(?:[a-zA-Z]:[\\/]|\\\\)/;

/** Turns a recorded path into one for this system, relative paths taken from the child's folder. */
function localPath(recorded: string, childDir: string): string | null {
  if (windowsAbsolute.test(recorded)) return sep === '\\' ? recorded : null;
  const native = sep === '/' ? recorded.replace(/\\/g, '/') : recorded.replace(/\//g, '\\');
  return isAbsolute(native) ? native : resolve(childDir, native);
}

/** Where to look for the parent, most specific first: the locators, the parent name, then each name in the child's folder. */
export function parentCandidates(childPath: string, ref: ParentReference): string[] {
  const childDir = dirname(resolve(childPath));
  const order = [PLATFORM.W2ru, PLATFORM.W2ku, PLATFORM.MacX, PLATFORM.Wi2r, PLATFORM.Wi2k].map(platformName);
  const recorded = [...ref.locators]
    .filter((l) => l.path)
    .sort((a, b) => order.indexOf(a.platform) - order.indexOf(b.platform))
    .map((l) => l.path!);
  if (ref.name) recorded.push(ref.name);
  const candidates: string[] = [];
  for (const r of recorded) {
    const p = localPath(r, childDir);
    if (p) candidates.push(p);
  }
  for (const r of recorded) {
    const name = basename(r.replace(/\\/g, '/'));
    if (name) candidates.push(resolve(childDir, name));
  }
  return [...new Set(candidates)];
}

/**
 * Finds the parent: the first candidate whose UUID is the one the child records. `readUuid` reads a candidate's
 * UUID (null when it is not a VHD). Throws VHD_PARENT_NOT_FOUND or VHD_PARENT_MISMATCH.
 */
export function findParent(
  childPath: string,
  ref: ParentReference,
  readUuid: (path: string) => Promise<string | null>,
): Promise<string> {
  const parentName = ref.name || ref.locators.find((l) => l.path)?.path || `UUID ${ref.uuid}`;
  return findParentFile({
    childPath,
    candidates: parentCandidates(childPath, ref),
    wanted: [ref.uuid],
    identityName: 'UUID',
    notOfFormat: 'not a VHD',
    readIdentity: readUuid,
    parentName,
    mismatch: {
      remedy: 'find the parent this child was made from and point the child at it with `platter set-parent`',
      details: { expectedUuid: ref.uuid },
    },
    missing: {
      remedy: 'put the parent back where it was, or point the child at it with `platter set-parent CHILD PARENT`',
      details: { parentName, parentUuid: ref.uuid },
    },
  });
}
