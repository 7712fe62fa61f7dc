import { extname, resolve } from 'node:path';
import { PlatterError, throwIfAborted } from '../errors';
import { DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE, MIN_CREATE_BLOCK_SIZE } from '../format/dynamic-header';
import type { DynamicHeader } from '../format/dynamic-header';
import { isPowerOfTwo } from '../format/fields';
import { serializeFooter } from '../format/footer';
import type { DiskType, Footer } from '../format/footer';
import { openImage } from '../image/open-image';
import type { RandomAccessFile } from '../image/random-access-file';
import { VhdImage } from '../image/vhd-image';
import { checkVirtualSize, endOfTable, newDynamicHeader, newFooter } from './new-vhd';
import { SparseVhdWriter } from './sparse-vhd-writer';
import { DEFAULT_VHDX_BLOCK_SIZE, VhdxWriter, checkVhdxLayout } from './vhdx-writer';
import { modeFrom, writeNewFile } from './output-file';
import { buildParentLink } from './parent-link';
import type { ParentLink } from './parent-link';
import { progressReporter } from './progress';
import type { JobControl } from './progress';

export interface CreateOptions {
  readonly path: string;
  /** Bytes; required unless `parent` is given (a child has its parent's size). */
  readonly size?: number;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  /** Fixed disks: write every byte instead of leaving a sparse file. */
  readonly preallocate?: boolean;
  /** Makes an empty differencing child of this VHD. */
  readonly parent?: string;
  /** vhd or vhdx; by default from the name (.vhdx), else vhd. */
  readonly format?: 'vhd' | 'vhdx';
  /** VHDX only: the sector size the guest sees (default 512) and the one it is told the disk has (default 4096). */
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
  /** The most permission bits the new file may have (a child: never more than its parent's). */
  readonly outputMode?: number;
}

export interface CreateResult {
  readonly path: string;
  readonly format: 'vhd' | 'vhdx';
  readonly diskType: DiskType;
  readonly virtualSize: number;
  readonly blockSize: number | null;
  readonly uuid: string;
}

const ZERO_CHUNK = 1024 * 1024;

export function checkBlockSize(blockSize: number): void {
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_CREATE_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      `the block size ${blockSize} is not a power of two from 512 KiB to 256 MiB`,
      'use 2M (the default) or 512K, the sizes Windows accepts',
    );
  }
}

export async function createImage(options: CreateOptions, control: JobControl = {}): Promise<CreateResult> {
  const format = options.format ?? (extname(options.path).toLowerCase() === '.vhdx' ? 'vhdx' : 'vhd');
  if (format === 'vhdx') return createVhdx(options, control);
  if ((options.logicalSectorSize ?? options.physicalSectorSize) !== undefined)
    throw new PlatterError(
      'BAD_ARGUMENT',
      'only a VHDX records sector sizes',
      'leave out --logical-sector and --physical-sector, or name the disk .vhdx',
    );
  if (options.parent !== undefined) return createChild(options, control);
  const type = options.type ?? 'dynamic';
  if (options.size === undefined)
    throw new PlatterError('BAD_ARGUMENT', 'no size was given', 'give a size such as --size 20G');
  const size = options.size;
  checkVirtualSize(size);
  const footer = newFooter(size, type);
  if (type === 'fixed') {
    if (options.blockSize !== undefined)
      throw new PlatterError(
        'BAD_ARGUMENT',
        'a fixed disk has no block size',
        'leave out --block-size, or use --type dynamic',
      );
    await writeNewFile(
      options.path,
      control.signal,
      (file) => writeFixed(file, footer, options.preallocate ?? false, control),
      { mode: await modeFrom([], options.outputMode) },
    );
    return result(options.path, footer, null);
  }
  if (options.preallocate)
    throw new PlatterError(
      'BAD_ARGUMENT',
      '--preallocate applies to fixed disks only',
      'use --type fixed, or leave out --preallocate',
    );
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  checkBlockSize(blockSize);
  const header = newDynamicHeader(size, blockSize);
  await writeNewFile(options.path, control.signal, (file) => writeEmptySparse(file, footer, header, null), {
    mode: await modeFrom([], options.outputMode),
  });
  return result(options.path, footer, blockSize);
}

async function createChild(options: CreateOptions, control: JobControl): Promise<CreateResult> {
  if (options.type === 'fixed' || options.preallocate)
    throw new PlatterError(
      'BAD_ARGUMENT',
      'a differencing disk is always dynamic',
      'leave out --type fixed and --preallocate',
    );
  const parentImage = await openImage(options.parent!);
  let parentSize: number;
  let parentUuid: string;
  let blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  try {
    if (!(parentImage instanceof VhdImage))
      throw new PlatterError('UNSUPPORTED', `${options.parent} is not a VHD`, 'a differencing VHD needs a VHD parent');
    parentSize = parentImage.virtualSize;
    parentUuid = parentImage.structure.footer.uuid;
    if (options.blockSize === undefined && parentImage.structure.header)
      blockSize = parentImage.structure.header.blockSize;
  } finally {
    await parentImage.close();
  }
  if (options.size !== undefined && options.size !== parentSize) {
    throw new PlatterError(
      'BAD_SIZE',
      `a differencing disk has its parent's size (${parentSize} bytes), not ${options.size}`,
      'leave out --size',
    );
  }
  checkBlockSize(blockSize);
  const footer = newFooter(parentSize, 'differencing');
  const header0 = newDynamicHeader(parentSize, blockSize);
  const link = await buildParentLink(options.path, options.parent!, parentUuid, endOfTable(header0));
  const header = { ...header0, ...link.header };
  await writeNewFile(options.path, control.signal, (file) => writeEmptySparse(file, footer, header, link), {
    mode: await modeFrom([options.parent!], options.outputMode),
  });
  return result(options.path, footer, blockSize);
}

/** An empty fixed or dynamic VHDX (a fixed one holds every block, as holes until written). */
async function createVhdx(options: CreateOptions, control: JobControl): Promise<CreateResult> {
  if (options.parent !== undefined)
    throw new PlatterError(
      'UNSUPPORTED',
      'Platter does not write differencing VHDX children yet',
      'make the child with Hyper-V (New-VHD -Differencing), or make a VHD child of a VHD parent',
    );
  if (options.preallocate)
    throw new PlatterError('BAD_ARGUMENT', '--preallocate applies to fixed VHDs', 'leave out --preallocate');
  if (options.size === undefined)
    throw new PlatterError('BAD_ARGUMENT', 'no size was given', 'give a size such as --size 20G');
  const layout = {
    virtualSize: options.size,
    type: options.type ?? 'dynamic',
    blockSize: options.blockSize ?? DEFAULT_VHDX_BLOCK_SIZE,
    logicalSectorSize: options.logicalSectorSize ?? 512,
    physicalSectorSize: options.physicalSectorSize ?? 4096,
  } as const;
  checkVhdxLayout(layout);
  let uuid = '';
  await writeNewFile(
    options.path,
    control.signal,
    async (file) => {
      const writer = new VhdxWriter(file, layout);
      uuid = writer.identity.dataWriteGuid;
      await writer.finish();
    },
    { mode: await modeFrom([], options.outputMode) },
  );
  return {
    path: resolve(options.path),
    format: 'vhdx',
    diskType: layout.type,
    virtualSize: layout.virtualSize,
    blockSize: layout.blockSize,
    uuid,
  };
}

function result(path: string, footer: Footer, blockSize: number | null): CreateResult {
  return {
    path: resolve(path),
    format: 'vhd',
    diskType: footer.diskType,
    virtualSize: footer.currentSize,
    blockSize,
    uuid: footer.uuid,
  };
}

async function writeFixed(
  file: RandomAccessFile,
  footer: Footer,
  preallocate: boolean,
  control: JobControl,
): Promise<void> {
  const size = footer.currentSize;
  if (preallocate) {
    const progress = progressReporter(control, 'writing zeros', size);
    const zeros = new Uint8Array(ZERO_CHUNK);
    for (let pos = 0; pos < size; pos += ZERO_CHUNK) {
      throwIfAborted(control.signal);
      const n = Math.min(ZERO_CHUNK, size - pos);
      await file.write(n === ZERO_CHUNK ? zeros : zeros.subarray(0, n), pos);
      progress.add(n);
    }
    progress.finish();
  } else {
    await file.truncate(size);
  }
  await file.write(serializeFooter(footer), size);
}

/** Writes a dynamic or differencing disk with no block allocated: footer copy, header, BAT, locators, footer. */
async function writeEmptySparse(
  file: RandomAccessFile,
  footer: Footer,
  header: DynamicHeader,
  link: ParentLink | null,
): Promise<void> {
  await new SparseVhdWriter(file, footer, header, link).finish();
}
