import { PlatterError } from '../../errors';
import { DAMAGED, leView } from './fields';
import { parseGuidText, readGuid, writeGuid } from './guid';

/** The only parent locator type the specification defines: the parent is another VHDX file. */
export const VHDX_LOCATOR_TYPE = 'b04aefb7-d19e-4a81-b789-25b8e9445913';
const HEADER_SIZE = 20;
const ENTRY_SIZE = 12;

export interface VhdxParentLocator {
  /** The parent's DataWriteGuid when the child was made (parent_linkage), lowercase without braces. */
  readonly parentLinkage: string;
  /** A second accepted identity (parent_linkage2), or null. */
  readonly parentLinkage2: string | null;
  readonly relativePath: string | null;
  readonly volumePath: string | null;
  readonly absoluteWin32Path: string | null;
  /** Every key and value as stored. */
  readonly entries: Readonly<Record<string, string>>;
}

function bad(message: string): PlatterError {
  return new PlatterError('VHDX_BAD_METADATA', message, DAMAGED);
}

/** Parses the parent locator item: a header, a table of key/value slots, UTF-16LE strings inside the item. */
export function parseParentLocator(bytes: Uint8Array): VhdxParentLocator {
  if (bytes.length < HEADER_SIZE) throw bad('the VHDX parent locator is shorter than its header');
  const type = readGuid(bytes, 0);
  if (type !== VHDX_LOCATOR_TYPE) {
    throw new PlatterError(
      'UNSUPPORTED',
      `the VHDX parent locator is of type ${type}, not a VHDX parent`,
      'open this differencing disk with Hyper-V or Windows',
    );
  }
  const dv = leView(bytes);
  const count = dv.getUint16(18, true);
  const tableEnd = HEADER_SIZE + count * ENTRY_SIZE;
  if (tableEnd > bytes.length) throw bad(`the VHDX parent locator's ${count} entries do not fit in the item`);
  const entries: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < count; i++) {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    const key = slice(bytes, dv.getUint32(at, true), dv.getUint16(at + 8, true), tableEnd, 'key');
    const value = slice(bytes, dv.getUint32(at + 4, true), dv.getUint16(at + 10, true), tableEnd, 'value');
    if (key in entries) throw bad(`the VHDX parent locator lists the key ${key} twice`);
    entries[key] = value;
  }
  const linkage = entries.parent_linkage;
  if (linkage === undefined) throw bad('the VHDX parent locator has no parent_linkage entry');
  const parentLinkage = parseGuidText(linkage);
  if (!parentLinkage) throw bad(`the VHDX parent locator's parent_linkage "${linkage}" is not a GUID`);
  const linkage2 = entries.parent_linkage2;
  const parentLinkage2 = linkage2 === undefined ? null : parseGuidText(linkage2);
  const locator = {
    parentLinkage,
    parentLinkage2,
    relativePath: entries.relative_path ?? null,
    volumePath: entries.volume_path ?? null,
    absoluteWin32Path: entries.absolute_win32_path ?? null,
    entries,
  };
  if (!locator.relativePath && !locator.volumePath && !locator.absoluteWin32Path) {
    throw bad('the VHDX parent locator records no path to the parent');
  }
  return locator;
}

function slice(bytes: Uint8Array, offset: number, length: number, tableEnd: number, what: string): string {
  if (length === 0 || length % 2 !== 0 || offset < tableEnd || offset + length > bytes.length) {
    throw bad(`a VHDX parent locator ${what} at ${offset} (${length} bytes) lies outside the locator`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('utf16le');
}

/** The keys that say where the parent lives (MS-VHDX 2.6.2.6.2); parent_linkage says which disk it is. */
export const LOCATOR_PATH_KEYS = ['relative_path', 'volume_path', 'absolute_win32_path'] as const;

/** Where a child's parent lives, as its locator records it. */
export type LocatorPaths = Partial<Record<(typeof LOCATOR_PATH_KEYS)[number], string>>;

/** parent_linkage as Hyper-V writes it: the parent's DataWriteGuid, lowercase, in braces. */
export function linkageText(dataWriteGuid: string): string {
  const guid = parseGuidText(dataWriteGuid);
  if (!guid) throw new RangeError(`not a GUID: ${dataWriteGuid}`);
  return `{${guid}}`;
}

/** A new child's locator entries, in the order Hyper-V writes them: the linkage, then the paths. */
export function newLocatorEntries(parentDataWriteGuid: string, paths: LocatorPaths): Record<string, string> {
  const entries: Record<string, string> = { parent_linkage: linkageText(parentDataWriteGuid) };
  for (const key of ['absolute_win32_path', 'relative_path', 'volume_path'] as const) {
    const path = paths[key];
    if (path) entries[key] = path;
  }
  return entries;
}

/**
 * The entries of `locator` pointing at a parent that moved: every path replaced by `paths` (a path not given is
 * dropped, as it names the old place), every other entry (the linkages, keys Platter does not know) kept as stored.
 */
export function repointedEntries(locator: VhdxParentLocator, paths: LocatorPaths): Record<string, string> {
  const entries = Object.create(null) as Record<string, string>;
  const pathKeys: readonly string[] = LOCATOR_PATH_KEYS;
  for (const [key, value] of Object.entries(locator.entries)) if (!pathKeys.includes(key)) entries[key] = value;
  for (const key of LOCATOR_PATH_KEYS) {
    const path = paths[key];
    if (path) entries[key] = path;
  }
  return entries;
}

/** Serializes key/value pairs (parent_linkage written with braces, as Hyper-V does). */
export function serializeParentLocator(entries: Readonly<Record<string, string>>): Uint8Array {
  const pairs = Object.entries(entries).map(([k, v]) => [Buffer.from(k, 'utf16le'), Buffer.from(v, 'utf16le')]);
  const tableEnd = HEADER_SIZE + pairs.length * ENTRY_SIZE;
  const total = tableEnd + pairs.reduce((n, [k, v]) => n + k!.length + v!.length, 0);
  const bytes = new Uint8Array(total);
  const dv = leView(bytes);
  writeGuid(bytes, 0, VHDX_LOCATOR_TYPE);
  dv.setUint16(18, pairs.length, true);
  let offset = tableEnd;
  pairs.forEach(([key, value], i) => {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    if (key!.length > 0xffff || value!.length > 0xffff) throw new RangeError('a parent locator string is too long');
    dv.setUint32(at, offset, true);
    dv.setUint16(at + 8, key!.length, true);
    bytes.set(key!, offset);
    offset += key!.length;
    dv.setUint32(at + 4, offset, true);
    dv.setUint16(at + 10, value!.length, true);
    bytes.set(value!, offset);
    offset += value!.length;
  });
  return bytes;
}
