import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { FormatDriver } from '../formats/driver';
import type { OutputDriver } from '../formats/output';
import type { DiskType } from '../formats/vhd/footer';
import { driverFor, driverNamedBy, joinedWithOr, settleLayout, writtenFormats } from '../formats/table';
import type { DiskImage, ImageFormat } from '../image/disk-image';
import { openImage, openImageAs } from '../image/open-image';
import type { RandomAccessFile } from '../io/random-access-file';
import { hashDisk } from './hash';
import { modeFrom, writeNewFile } from '../io/output-file';
import { presetNamed } from './presets';
import type { Preset, PresetName } from './presets';
import type { JobControl } from './progress';

export type OutputFormat = ImageFormat;

export interface ConvertOptions {
  readonly input: string;
  readonly output: string;
  readonly format?: OutputFormat;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  readonly preset?: PresetName;
  /** Write every byte, zeros included (no holes). */
  readonly preallocate?: boolean;
  /** Read the output back and compare its content hash with the source's. */
  readonly verify?: boolean;
  /** Copy a source another program is writing anyway (qemu-img's --force-share): the copy may be inconsistent. */
  readonly forceShare?: boolean;
  /** VHDX only: the sector size the guest sees (default 512) and the one it is told the disk has (default 4096). */
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
  /** VMDK only: its subformat and the adapter its descriptor names. */
  readonly subformat?: string;
  readonly adapter?: string;
  /** The most permission bits the output may have (it never has bits the source lacks). */
  readonly outputMode?: number;
  /** Write the data compressed (qcow2). */
  readonly compress?: boolean;
}

export interface ConvertResult {
  readonly output: string;
  readonly format: OutputFormat;
  readonly diskType: DiskType | null;
  readonly blockSize: number | null;
  readonly virtualSize: number;
  readonly sourceSize: number;
  /** Zeros added to a raw source to reach a whole sector. */
  readonly paddedBytes: number;
  /** Zeros added at the end by the preset's size rounding. */
  readonly roundedBytes: number;
  readonly fileSize: number;
  /** Present with `verify`: the content hash both sides share. */
  readonly verifiedSha256: string | null;
}

/** The driver that writes the output: the format asked for, else the preset's, else the one the name says. */
export function outputDriverFor(
  path: string,
  format?: OutputFormat,
  preset?: Preset | null,
): FormatDriver & { output: OutputDriver } {
  const asked = format ? driverFor(format) : null;
  const driver = asked ?? (preset ? driverFor(preset.format) : driverNamedBy(path));
  if (!driver)
    throw new PlatterError(
      'BAD_ARGUMENT',
      `cannot tell the output format from the name ${path}`,
      `name it ${joinedWithOr(writtenFormats().flatMap((d) => d.extensions))}, or give --format ${writtenFormats()
        .map((d) => d.format)
        .join('|')}`,
    );
  if (preset && driverFor(preset.format) !== driver)
    throw new PlatterError(
      'BAD_ARGUMENT',
      `the ${preset.name} preset makes a ${driverFor(preset.format).name}, not a ${driver.name}`,
      `leave out --format, or name the output ${driverFor(preset.format).extensions[0]}`,
    );
  if (!driver.output)
    throw new PlatterError(
      'UNSUPPORTED',
      `Platter cannot write ${driver.name} images yet`,
      `convert to ${joinedWithOr(writtenFormats().map((d) => d.name))}`,
    );
  return driver as FormatDriver & { output: OutputDriver };
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}

/** Converts any readable image (raw, VHD or VHDX, through its chain) to a standalone image of any written format. */
export async function convertImage(options: ConvertOptions, control: JobControl = {}): Promise<ConvertResult> {
  const preset = options.preset ? presetNamed(options.preset) : null;
  const driver = outputDriverFor(options.output, options.format, preset);
  if (await sameFile(options.input, options.output)) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      'the output is the same file as the input',
      'choose another output name; the source is never overwritten',
    );
  }
  const source = await openImage(options.input, { allowRaw: true, consistent: !options.forceShare });
  try {
    return await convertOpened(source, options, driver, preset, control);
  } finally {
    await source.close();
  }
}

async function convertOpened(
  source: DiskImage,
  options: ConvertOptions,
  driver: FormatDriver & { output: OutputDriver },
  preset: Preset | null,
  control: JobControl,
): Promise<ConvertResult> {
  const sourceSize = source.virtualSize;
  // Every option is checked before anything is written.
  const layout = settleLayout(driver, {
    size: sourceSize,
    preset,
    roundUp: true,
    ...(options.type !== undefined && { type: options.type }),
    ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
    ...(options.preallocate !== undefined && { preallocate: options.preallocate }),
    ...(options.logicalSectorSize !== undefined && { logicalSectorSize: options.logicalSectorSize }),
    ...(options.physicalSectorSize !== undefined && { physicalSectorSize: options.physicalSectorSize }),
    ...(options.subformat !== undefined && { subformat: options.subformat }),
    ...(options.adapter !== undefined && { adapter: options.adapter }),
    fileName: basename(options.output),
    ...(options.compress !== undefined && { compress: options.compress }),
  });
  const { virtualSize } = layout;
  const hash = options.verify ? createHash('sha256') : undefined;
  const pump = { ...control, phase: 'converting', preallocate: layout.preallocate, ...(hash && { hash }) };
  let fileSize = 0;
  let verifiedSha256: string | null = null;
  const mode = await modeFrom([source.path], options.outputMode);
  await writeNewFile(
    options.output,
    control.signal,
    async (file: RandomAccessFile) => {
      fileSize = (await driver.output.write(file, source, layout, pump)).fileSize;
      // Verified before it is moved into place: a cancel or a mismatch leaves no output behind.
      if (hash) {
        hash.update(new Uint8Array(virtualSize - sourceSize));
        verifiedSha256 = await verifyOutput(file.path, driver, hash.digest('hex'), control);
      }
    },
    { mode },
  );
  return {
    output: resolve(options.output),
    format: driver.format,
    diskType: layout.diskType,
    blockSize: layout.blockSize,
    virtualSize,
    sourceSize: sourceSize - (source.paddedBytes ?? 0),
    paddedBytes: source.paddedBytes ?? 0,
    roundedBytes: virtualSize - sourceSize,
    fileSize,
    verifiedSha256,
  };
}

/** Reads the written output back and compares its content hash with the source's. */
async function verifyOutput(
  path: string,
  driver: FormatDriver,
  expected: string,
  control: JobControl,
): Promise<string> {
  const image = await openImageAs(path, driver);
  let actual: string;
  try {
    actual = await hashDisk(image, { ...control, phase: 'verifying' });
  } finally {
    await image.close();
  }
  if (actual !== expected) {
    throw new PlatterError(
      'VERIFY_FAILED',
      `the output read back differs from the source (SHA-256 ${actual}, expected ${expected})`,
      'nothing was kept; check the disk and memory, then convert again',
    );
  }
  return actual;
}
