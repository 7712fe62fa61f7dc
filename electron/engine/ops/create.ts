import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { DEFAULT_BLOCK_SIZE } from '../formats/vhd/dynamic-header';
import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import type { FormatDriver } from '../formats/driver';
import { driverFor, driverNamedBy } from '../formats/table';
import type { DiskType, Footer } from '../formats/vhd/footer';
import { vhdDriver } from '../formats/vhd/driver';
import { checkBlockSize, refuseSectorSizes } from '../formats/vhd/output';
import { openImage } from '../image/open-image';
import { ZeroImage } from '../image/zero-image';
import type { RandomAccessFile } from '../io/random-access-file';
import { VhdImage } from '../formats/vhd/vhd-image';
import { endOfTable, newDynamicHeader, newFooter } from '../formats/vhd/new-vhd';
import { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';
import { modeFrom, writeNewFile } from '../io/output-file';
import { buildParentLink } from './parent-link';
import type { ParentLink } from './parent-link';
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

/** The format a new image is written in: asked for, else named by its extension (.vhdx), else VHD. */
function createdDriver(options: CreateOptions): FormatDriver {
  if (options.format) return driverFor(options.format);
  const named = driverNamedBy(options.path);
  return named?.output && named.describe ? named : vhdDriver;
}

export async function createImage(options: CreateOptions, control: JobControl = {}): Promise<CreateResult> {
  const driver = createdDriver(options);
  if (options.parent !== undefined) return createChild(driver, options, control);
  if (options.size === undefined)
    throw new PlatterError('BAD_ARGUMENT', 'no size was given', 'give a size such as --size 20G');
  const output = driver.output!;
  const layout = output.layout({
    size: options.size,
    ...(options.type !== undefined && { type: options.type }),
    ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
    ...(options.preallocate !== undefined && { preallocate: options.preallocate }),
    ...(options.logicalSectorSize !== undefined && { logicalSectorSize: options.logicalSectorSize }),
    ...(options.physicalSectorSize !== undefined && { physicalSectorSize: options.physicalSectorSize }),
  });
  let identity: string | null = null;
  await writeNewFile(
    options.path,
    control.signal,
    async (file) => {
      const pump = { ...control, phase: 'writing zeros', preallocate: layout.preallocate };
      identity = (await output.write(file, new ZeroImage(layout.virtualSize), layout, pump)).identity;
    },
    { mode: await modeFrom([], options.outputMode) },
  );
  return {
    path: resolve(options.path),
    format: driver.format as CreateResult['format'],
    diskType: layout.diskType!,
    virtualSize: layout.virtualSize,
    blockSize: layout.blockSize,
    uuid: identity!,
  };
}

async function createChild(driver: FormatDriver, options: CreateOptions, control: JobControl): Promise<CreateResult> {
  if (!driver.capabilities('dynamic').createChild)
    throw new PlatterError(
      'UNSUPPORTED',
      `Platter does not write differencing ${driver.name} children yet`,
      'make the child with Hyper-V (New-VHD -Differencing), or make a VHD child of a VHD parent',
    );
  refuseSectorSizes(options, 'a differencing VHD');
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

/** Writes a dynamic or differencing disk with no block allocated: footer copy, header, BAT, locators, footer. */
async function writeEmptySparse(
  file: RandomAccessFile,
  footer: Footer,
  header: DynamicHeader,
  link: ParentLink | null,
): Promise<void> {
  await new SparseVhdWriter(file, footer, header, link).finish();
}
