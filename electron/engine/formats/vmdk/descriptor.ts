// The VMDK text descriptor: `key=value` lines (version, CID, parentCID, createType, parentFileNameHint), one line
// per extent (`RW 20480 SPARSE "disk.vmdk"`, `RW 4096 FLAT "disk-flat.vmdk" 0`, `RW 100 ZERO`), and the disk
// database (`ddb.adapterType = "lsilogic"`). Embedded in a sparse extent or a file of its own.
import { PlatterError } from '../../errors';

/** A descriptor is a few hundred bytes; anything past this is not one (and is not read into memory). */
export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
/** The parentCID of a disk of its own. */
export const NO_PARENT_CID = 'ffffffff';

export const EXTENT_TYPES = ['SPARSE', 'FLAT', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'VMFSRAW', 'SESPARSE'] as const;
export type ExtentType = (typeof EXTENT_TYPES)[number];
export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';

export interface ExtentLine {
  readonly access: ExtentAccess;
  /** Virtual sectors the extent covers. */
  readonly sectors: number;
  readonly type: ExtentType;
  /** As written, relative to the descriptor's folder (or absolute); null for ZERO. */
  readonly fileName: string | null;
  /** Flat extents: the sector in the file where this extent's data starts. */
  readonly offset: number;
}

export interface VmdkDescriptor {
  readonly version: number;
  /** Eight hex digits, lower case; null when the descriptor records none. */
  readonly cid: string | null;
  readonly parentCid: string;
  readonly createType: string;
  readonly parentFileNameHint: string | null;
  readonly extents: readonly ExtentLine[];
  /** The disk database (`ddb.` keys without the prefix). */
  readonly ddb: Readonly<Record<string, string>>;
  /** Lines that were neither a field, an extent nor a comment (check reports them). */
  readonly unknownLines: readonly string[];
}

function bad(path: string, message: string): PlatterError {
  return new PlatterError(
    'VMDK_BAD_DESCRIPTOR',
    `the VMDK descriptor of ${path} ${message}`,
    'the descriptor was edited by hand or damaged; restore it from the tool that made the disk',
    { path },
  );
}

const EXTENT_LINE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z]+)(?:\s+(?:"([^"]*)"|(\S+))(?:\s+(\d+))?)?(?:\s+.*)?$/i;
const FIELD_LINE = /^([A-Za-z0-9_.]+)\s*=\s*(.*)$/;

function unquote(value: string): string {
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function parseExtent(m: RegExpExecArray, path: string): ExtentLine {
  const type = m[3]!.toUpperCase() as ExtentType;
  if (!EXTENT_TYPES.includes(type)) throw bad(path, `names an unknown extent type "${m[3]}"`);
  const sectors = Number(m[2]);
  const offset = m[6] === undefined ? 0 : Number(m[6]);
  if (!Number.isSafeInteger(sectors) || sectors <= 0 || !Number.isSafeInteger(offset))
    throw bad(path, `has an extent of ${m[2]} sectors at ${m[6] ?? 0}, which no disk has`);
  const fileName = m[4] ?? m[5] ?? null;
  if (type !== 'ZERO' && !fileName) throw bad(path, `has a ${type} extent without a file name`);
  return {
    access: m[1]!.toUpperCase() as ExtentAccess,
    sectors,
    type,
    fileName: type === 'ZERO' ? null : fileName,
    offset,
  };
}

/** Parses descriptor text (NUL padding of an embedded descriptor ends it). */
export function parseDescriptor(text: string, path: string): VmdkDescriptor {
  const end = text.indexOf('\0');
  const lines = (end >= 0 ? text.slice(0, end) : text).split(/\r?\n/);
  const fields = new Map<string, string>();
  const ddb: Record<string, string> = {};
  const extents: ExtentLine[] = [];
  const unknownLines: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const extent = EXTENT_LINE.exec(line);
    if (extent) {
      extents.push(parseExtent(extent, path));
      continue;
    }
    const field = FIELD_LINE.exec(line);
    if (!field) {
      unknownLines.push(line.slice(0, 200));
      continue;
    }
    const [key, value] = [field[1]!, unquote(field[2]!)];
    if (key.startsWith('ddb.')) ddb[key.slice(4)] = value;
    else fields.set(key, value);
  }
  const createType = fields.get('createType');
  if (createType === undefined) throw bad(path, 'has no createType line');
  if (extents.length === 0) throw bad(path, 'lists no extent');
  const version = Number(fields.get('version') ?? '1');
  if (!Number.isInteger(version) || version < 1 || version > 3) throw bad(path, `is version ${fields.get('version')}`);
  const cid = hexCid(fields.get('CID'));
  const parentText = fields.get('parentCID') ?? NO_PARENT_CID;
  const parentCid = hexCid(parentText);
  if (parentCid === null) throw bad(path, `has a parentCID "${parentText.slice(0, 20)}" that is not 8 hex digits`);
  return {
    version,
    cid,
    parentCid,
    createType,
    parentFileNameHint: fields.get('parentFileNameHint') ?? null,
    extents,
    ddb,
    unknownLines,
  };
}

function hexCid(text: string | undefined): string | null {
  return text !== undefined && /^[0-9a-fA-F]{1,8}$/.test(text) ? text.toLowerCase().padStart(8, '0') : null;
}

/** The descriptor's total virtual size in bytes. */
export function descriptorSize(d: VmdkDescriptor): number {
  return d.extents.reduce((sum, e) => sum + e.sectors * 512, 0);
}

/** Whether descriptor text names itself so (a file's first bytes, for probing). */
export function looksLikeDescriptor(text: string): boolean {
  return text.includes('# Disk DescriptorFile') || /^\s*createType\s*=\s*"/m.test(text);
}

export interface NewDescriptor {
  readonly cid: string;
  readonly createType: string;
  readonly extents: readonly ExtentLine[];
  /** ddb keys without the prefix, in the order VMware writes them. */
  readonly ddb: readonly (readonly [string, string])[];
}

/** The descriptor text of a new disk of its own (parentCID ffffffff), as VMware lays it out. */
export function serializeDescriptor(d: NewDescriptor): string {
  const extent = (e: ExtentLine) =>
    `${e.access} ${e.sectors} ${e.type}${e.fileName === null ? '' : ` "${e.fileName}"`}${e.type === 'FLAT' ? ` ${e.offset}` : ''}`;
  return [
    '# Disk DescriptorFile',
    'version=1',
    `CID=${d.cid}`,
    `parentCID=${NO_PARENT_CID}`,
    `createType="${d.createType}"`,
    '',
    '# Extent description',
    ...d.extents.map(extent),
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    ...d.ddb.map(([k, v]) => `ddb.${k} = "${v}"`),
    '',
  ].join('\n');
}
