import { basename, resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { FormatDriver } from '../formats/driver';
import type { OutputDriver } from '../formats/output';
import { driverFor, driverNamedBy, settleLayout } from '../formats/table';
import type { DiskType } from '../formats/vhd/footer';
import { vhdDriver } from '../formats/vhd/driver';
import { ZeroImage } from '../image/zero-image';
import { modeFrom, writeNewFile } from '../io/output-file';
import { childWriter, openParentOfChild } from './child-parent';
import type { JobControl } from './progress';
import type { ImageFormatName } from '../../../shared/formats';

export interface CreateOptions {
  readonly path: string;
  /** Bytes; required unless `parent` is given (a child has its parent's size). */
  readonly size?: number;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  /** Fixed disks: write every byte instead of leaving a sparse file. */
  readonly preallocate?: boolean;
  /** Makes an empty differencing child of this image (a VHD or a VHDX, as the child). */
  readonly parent?: string;
  /** vhd, vhdx or vmdk; by default from the name (.vhdx, .vmdk), else vhd. */
  readonly format?: ImageFormatName;
  /** VHDX only: the sector size the guest sees (default 512) and the one it is told the disk has (default 4096). */
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
  /** VMDK only: its subformat and the adapter its descriptor names. */
  readonly subformat?: string;
  readonly adapter?: string;
  /** The most permission bits the new file may have (a child: never more than its parent's). */
  readonly outputMode?: number;
}

export interface CreateResult {
  readonly path: string;
  readonly format: 'vhd' | 'vhdx' | 'vmdk';
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
  const layout = settleLayout(driver as FormatDriver & { output: OutputDriver }, {
    size: options.size,
    ...(options.type !== undefined && { type: options.type }),
    ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
    ...(options.preallocate !== undefined && { preallocate: options.preallocate }),
    ...(options.logicalSectorSize !== undefined && { logicalSectorSize: options.logicalSectorSize }),
    ...(options.physicalSectorSize !== undefined && { physicalSectorSize: options.physicalSectorSize }),
    ...(options.subformat !== undefined && { subformat: options.subformat }),
    ...(options.adapter !== undefined && { adapter: options.adapter }),
    fileName: basename(options.path),
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
  const children = childWriter(driver);
  if (options.type === 'fixed' || options.preallocate)
    throw new PlatterError(
      'BAD_ARGUMENT',
      'a differencing disk is always dynamic',
      'leave out --type fixed and --preallocate',
    );
  const parentPath = options.parent!;
  const parent = await openParentOfChild(driver, parentPath);
  try {
    if (options.size !== undefined && options.size !== parent.virtualSize) {
      throw new PlatterError(
        'BAD_SIZE',
        `a differencing disk has its parent's size (${parent.virtualSize} bytes), not ${options.size}`,
        'leave out --size',
      );
    }
    const layout = children.layout(parent, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
      ...(options.logicalSectorSize !== undefined && { logicalSectorSize: options.logicalSectorSize }),
      ...(options.physicalSectorSize !== undefined && { physicalSectorSize: options.physicalSectorSize }),
    });
    let identity = '';
    const target = { childPath: options.path, parentPath, parent };
    await writeNewFile(
      options.path,
      control.signal,
      async (file) => {
        identity = (await children.write(file, target, layout, null, control)).identity;
      },
      { mode: await modeFrom([parentPath], options.outputMode) },
    );
    return {
      path: resolve(options.path),
      format: driver.format as CreateResult['format'],
      diskType: 'differencing',
      virtualSize: layout.virtualSize,
      blockSize: layout.blockSize,
      uuid: identity,
    };
  } finally {
    await parent.close();
  }
}
