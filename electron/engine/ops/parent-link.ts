import { stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import { SECTOR, alignUp, dateToVhdTime } from '../formats/fields';
import { PLATFORM, encodeLocatorPath } from '../formats/vhd/parent-locator';
import type { LocatorEntry } from '../formats/vhd/parent-locator';
import type { LocatorPaths } from '../formats/vhdx/parent-locator';

export interface ParentLink {
  readonly header: Pick<DynamicHeader, 'parentUuid' | 'parentTimestamp' | 'parentName' | 'locators'>;
  /** Locator data to write, each at its entry's offset. */
  readonly blobs: readonly { offset: number; data: Uint8Array }[];
  /** First byte after the locator data. */
  readonly end: number;
}

const MAX_PARENT_NAME_UNITS = 256;

/** The relative path from the child's folder, Windows style as Hyper-V writes it (".\parent.vhd"). */
export function relativeParentPath(childPath: string, parentPath: string): string {
  const rel = relative(dirname(resolve(childPath)), resolve(parentPath))
    .split(sep)
    .join('\\');
  return rel.startsWith('..') ? rel : `.\\${rel}`;
}

/**
 * The parent fields of a child's header, as Hyper-V writes them: the parent's absolute path as its name
 * (UTF-16BE), a W2ku absolute and a W2ru relative locator (UTF-16LE), plus MacX on macOS. Locator data
 * starts at `dataStart`, each in a sector-aligned area whose size is recorded in bytes.
 */
export async function buildParentLink(
  childPath: string,
  parentPath: string,
  parentUuid: string,
  dataStart: number,
  platform = process.platform,
): Promise<ParentLink> {
  const absolute = resolve(parentPath);
  const mtime = (await stat(absolute)).mtime;
  const paths: [number, string][] = [
    [PLATFORM.W2ku, absolute],
    [PLATFORM.W2ru, relativeParentPath(childPath, absolute)],
  ];
  if (platform === 'darwin') paths.push([PLATFORM.MacX, absolute]);
  const locators: LocatorEntry[] = [];
  const blobs: { offset: number; data: Uint8Array }[] = [];
  let offset = alignUp(dataStart, SECTOR);
  for (const [code, path] of paths) {
    const data = encodeLocatorPath(code, path);
    const space = alignUp(data.length, SECTOR);
    locators.push({ platformCode: code, dataSpace: space, dataLength: data.length, dataOffset: offset });
    blobs.push({ offset, data });
    offset += space;
  }
  const name =
    absolute.length <= MAX_PARENT_NAME_UNITS
      ? absolute
      : absolute.slice(absolute.lastIndexOf(sep) + 1).slice(0, MAX_PARENT_NAME_UNITS);
  return {
    header: { parentUuid, parentTimestamp: dateToVhdTime(mtime), parentName: name, locators },
    blobs,
    end: offset,
  };
}

/**
 * Where a VHDX child records its parent: what a VHD child's W2ru and W2ku locators hold, as relative_path
 * (".\\parent.vhdx" from the child's folder) and absolute_win32_path (the absolute path on this system). Hyper-V's
 * volume_path (\\?\Volume{GUID}\...) names a Windows volume by its GUID, which Platter does not look up: it is
 * left out (readers try the other two first anyway).
 */
export function vhdxParentPaths(childPath: string, parentPath: string): LocatorPaths {
  const absolute = resolve(parentPath);
  return { relative_path: relativeParentPath(childPath, absolute), absolute_win32_path: absolute };
}
