// A VMDK's descriptor and its extents, open: from whichever of its files was opened (the descriptor, a sparse
// extent with the descriptor embedded, or an extent whose descriptor lies beside it).
import { resolve } from 'node:path';
import { PlatterError } from '../../errors';
import { RandomAccessFile } from '../../io/random-access-file';
import { ascii } from '../fields';
import { MAX_DESCRIPTOR_BYTES, descriptorSize, looksLikeDescriptor, parseDescriptor } from './descriptor';
import type { ExtentLine, VmdkDescriptor } from './descriptor';
import { FlatExtent, ZeroExtent } from './extent-reader';
import type { ExtentReader } from './extent-reader';
import { candidatePaths, descriptorNameFor, firstExisting, siblingDescriptor } from './locate';
import { SlicedFile, looksLikeOva, tarMembers } from './ova';
import type { ExtentFile } from './ova';
import { SparseExtent, readSparseHeaderInUse } from './sparse-extent';
import { COWD, KDMV, SECTOR, parseCowdHeader, parseKdmvHeader } from './sparse-header';
import type { SparseHeader } from './sparse-header';

/** More than any real disk has (a 2 TiB twoGbMaxExtent disk has 1024): each extent is an open file. */
const MAX_EXTENTS = 4096;
/** The largest virtual size read (VMware's own limit is 62 TiB). */
const MAX_VIRTUAL_SIZE = 256 * 1024 ** 4;

export interface VmdkExtent {
  readonly line: ExtentLine;
  /** Null for a ZERO or NOACCESS extent. */
  readonly path: string | null;
  readonly reader: ExtentReader;
}

export interface VmdkStructure {
  /** The file holding the descriptor: a text file, or the sparse extent it is embedded in. */
  readonly descriptorPath: string;
  readonly descriptor: VmdkDescriptor;
  readonly embedded: boolean;
  readonly extents: readonly VmdkExtent[];
  readonly virtualSize: number;
  /** When the disk was read from inside an OVA: which member, and every disk the OVA holds. */
  readonly ova: OvaDisks | null;
  /** Closes every file, the one it was read from included. */
  close(): Promise<void>;
}

export interface OvaDisks {
  readonly disk: string;
  readonly disks: readonly { readonly name: string; readonly size: number }[];
}

export function unsupportedVmdk(path: string, what: string): PlatterError {
  return new PlatterError(
    'UNSUPPORTED',
    `${path} is a ${what}, which Platter cannot read yet`,
    'consolidate or clone the disk in VMware (vmkfstools -i ... -d thin), or convert it with qemu-img, then use that',
    { path, format: 'VMDK' },
  );
}

function noDescriptor(path: string): PlatterError {
  const beside = descriptorNameFor(path);
  return new PlatterError(
    'VMDK_BAD_DESCRIPTOR',
    `${path} is a VMDK extent without a descriptor of its own${beside ? `, and ${beside} beside it is missing or does not list it` : ''}`,
    'open the disk through its descriptor file (the small .vmdk the extent belongs to), or put it back beside the extent',
    { path },
  );
}

/** The text of a descriptor embedded in a sparse extent, bounded by the file and MAX_DESCRIPTOR_BYTES. */
async function embeddedText(file: ExtentFile, h: SparseHeader): Promise<string | null> {
  if (h.descriptorOffset === 0 || h.descriptorSectors === 0) return null;
  const length = Math.min(h.descriptorSectors * SECTOR, MAX_DESCRIPTOR_BYTES);
  if (h.descriptorOffset * SECTOR + length > file.size)
    throw new PlatterError(
      'VMDK_BAD_HEADER',
      `${file.path} says its descriptor lies past its end (sector ${h.descriptorOffset})`,
      'the file was cut short; copy it again',
      { path: file.path },
    );
  return Buffer.from(await file.readAt(h.descriptorOffset * SECTOR, length)).toString('utf8');
}

interface Found {
  readonly path: string;
  readonly descriptor: VmdkDescriptor;
  readonly embedded: boolean;
}

/** Which descriptor describes the disk `file` belongs to: a text one beside it that lists it comes first. */
async function findDescriptor(file: ExtentFile, inOva: boolean): Promise<Found> {
  const head = await file.readAt(0, Math.min(SECTOR, file.size));
  const magic = ascii(head, 0, 4);
  if (magic !== KDMV && magic !== COWD) {
    const text = ascii(head, 0, head.length);
    if (looksLikeDescriptor(text)) {
      if (file.size > MAX_DESCRIPTOR_BYTES) throw unsupportedVmdk(file.path, 'VMDK descriptor too large to be one');
      const whole = Buffer.from(await file.readAt(0, file.size)).toString('utf8');
      return { path: file.path, descriptor: parseDescriptor(whole, file.path), embedded: false };
    }
  }
  const beside = inOva ? null : await siblingDescriptor(file.path);
  if (beside) return { ...beside, embedded: false };
  if (magic === KDMV) {
    const text = await embeddedText(file, parseKdmvHeader(head, file.path));
    if (text !== null) return { path: file.path, descriptor: parseDescriptor(text, file.path), embedded: true };
  }
  throw noDescriptor(file.path);
}

function checkDescriptor(d: VmdkDescriptor, path: string): number {
  if (/^sesparse$/i.test(d.createType) || d.extents.some((e) => e.type === 'SESPARSE'))
    throw unsupportedVmdk(path, 'seSparse VMDK (an ESXi 6.5+ snapshot or thin disk)');
  if (d.extents.some((e) => e.type === 'VMFSRDM' || e.type === 'VMFSRAW'))
    throw unsupportedVmdk(path, 'VMDK raw device mapping (its data is on a LUN, not in a file)');
  if (d.extents.length > MAX_EXTENTS)
    throw new PlatterError(
      'VMDK_BAD_DESCRIPTOR',
      `${path} lists ${d.extents.length} extents`,
      'no real disk has so many',
      {
        path,
      },
    );
  const size = descriptorSize(d);
  if (size > MAX_VIRTUAL_SIZE)
    throw new PlatterError(
      'VMDK_BAD_DESCRIPTOR',
      `${path} describes a disk of ${size} bytes`,
      'no VMDK is that large',
      {
        path,
      },
    );
  return size;
}

/** Opens one extent: `self` is reused when the extent is that file. */
async function openExtent(
  line: ExtentLine,
  found: Found,
  self: ExtentFile,
  opened: RandomAccessFile[],
): Promise<VmdkExtent> {
  const bytes = line.sectors * SECTOR;
  if (line.type === 'ZERO' || line.access === 'NOACCESS' || line.fileName === null)
    return { line, path: null, reader: new ZeroExtent(bytes) };
  // An embedded descriptor's one sparse extent is the file it is in, whatever the file is called now.
  const isSelf = found.embedded && found.descriptor.extents.length === 1;
  let file: ExtentFile = self;
  if (!isSelf) {
    const candidates = candidatePaths(found.path, line.fileName);
    const path = await firstExisting(candidates);
    if (path === null)
      throw new PlatterError(
        'VMDK_EXTENT_NOT_FOUND',
        `the extent "${line.fileName}" of ${found.path} was not found (looked for ${candidates.join(', ')})`,
        'put the extent file back beside its descriptor under that name (VMware keeps a disk’s files together)',
        { path: found.path, extent: line.fileName },
      );
    if (resolve(path) !== resolve(self.path)) {
      const other = await RandomAccessFile.open(path);
      opened.push(other);
      file = other;
    }
  }
  if (line.type === 'FLAT' || line.type === 'VMFS')
    return { line, path: file.path, reader: new FlatExtent(file, line.offset * SECTOR, bytes) };
  const head = await file.readAt(0, Math.min(SECTOR, file.size));
  const magic = ascii(head, 0, 4);
  const first =
    magic === COWD ? parseCowdHeader(head, file.path) : magic === KDMV ? parseKdmvHeader(head, file.path) : null;
  if (!first)
    throw new PlatterError(
      'VMDK_BAD_HEADER',
      `the ${line.type} extent ${file.path} has no sparse extent header`,
      'the extent file is damaged or another file took its name; restore it',
      { path: file.path },
    );
  const header = await readSparseHeaderInUse(file, first);
  return { line, path: file.path, reader: await SparseExtent.open(file, header, bytes) };
}

/** Reads the descriptor and opens every extent of the disk `file` belongs to. */
export async function readVmdkStructure(file: RandomAccessFile): Promise<VmdkStructure> {
  const ova = looksLikeOva(await file.readAt(0, Math.min(SECTOR, file.size))) ? await ovaDisk(file) : null;
  const self: ExtentFile = ova ? ova.slice : file;
  const found = await findDescriptor(self, ova !== null);
  if (ova && !(found.embedded && found.descriptor.extents.length === 1))
    throw unsupportedVmdk(self.path, 'VMDK in an OVA whose descriptor names other files');
  const virtualSize = checkDescriptor(found.descriptor, found.path);
  const opened: RandomAccessFile[] = [];
  const closeAll = async () => {
    for (const f of opened) await f.close();
  };
  try {
    const extents: VmdkExtent[] = [];
    for (const line of found.descriptor.extents) extents.push(await openExtent(line, found, self, opened));
    return {
      descriptorPath: found.path,
      descriptor: found.descriptor,
      embedded: found.embedded,
      extents,
      virtualSize,
      ova: ova && { disk: ova.slice.path, disks: ova.disks },
      async close() {
        await closeAll();
        await file.close();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The first VMDK of the OVA (the disk convert reads), and all its disks. */
async function ovaDisk(file: RandomAccessFile): Promise<{ slice: SlicedFile; disks: OvaDisks['disks'] }> {
  const disks = (await tarMembers(file)).filter((m) => m.name.toLowerCase().endsWith('.vmdk'));
  if (disks.length === 0)
    throw new PlatterError('UNSUPPORTED', `the OVA ${file.path} holds no VMDK disk`, 'check the file came whole', {
      path: file.path,
    });
  return { slice: new SlicedFile(file, disks[0]!), disks: disks.map((d) => ({ name: d.name, size: d.size })) };
}
