// The one table of image formats. Detection is one loop over it, in order: signatures first, raw last.
import { PlatterError } from '../errors';
import type { RandomAccessFile } from '../io/random-access-file';
import type { ImageFormat } from '../image/disk-image';
import type { FormatDriver } from './driver';
import type { OutputDriver, OutputLayout, OutputRequest } from './output';
import { foreignFormat, unsupportedFormat } from './foreign-formats';
import { qcow2Driver } from './qcow2/driver';
import { rawDriver } from './raw/driver';
import { vdiDriver } from './vdi/driver';
import { vhdDriver } from './vhd/driver';
import { vhdxDriver } from './vhdx/driver';
import { vmdkDriver } from './vmdk/driver';

export const FORMAT_DRIVERS: readonly FormatDriver[] = [
  vhdxDriver,
  vhdDriver,
  vdiDriver,
  vmdkDriver,
  qcow2Driver,
  rawDriver,
];

/**
 * The driver whose signature the file carries. A container Platter does not read yet (qcow2, VMDK, VDI...) is
 * refused by name, never taken for raw.
 */
export async function probeFormat(file: RandomAccessFile): Promise<FormatDriver> {
  for (const driver of FORMAT_DRIVERS) {
    if (driver === rawDriver) {
      const foreign = await foreignFormat(file);
      if (foreign) throw unsupportedFormat(file.path, foreign);
    }
    if (await driver.probe(file)) return driver;
  }
  return rawDriver;
}

export function driverFor(format: ImageFormat): FormatDriver {
  return FORMAT_DRIVERS.find((d) => d.format === format)!;
}

/**
 * The driver's layout for `request`, once every option only other formats take is refused, naming those formats
 * (--subformat and --adapter are VMDK's, --compress qcow2's).
 */
export function settleLayout(driver: FormatDriver & { output: OutputDriver }, request: OutputRequest): OutputLayout {
  for (const option of ['subformat', 'adapter', 'compress'] as const) {
    const asked = request[option] !== undefined && request[option] !== false;
    if (!asked || driver.output.formatOptions?.includes(option)) continue;
    const takers = FORMAT_DRIVERS.filter((d) => d.output?.formatOptions?.includes(option)).map((d) => d.name);
    throw new PlatterError(
      'BAD_ARGUMENT',
      `--${option} applies to ${joinedWithOr(takers)} outputs, not to a ${driver.name}`,
      `leave out --${option}, or write a ${joinedWithOr(takers)}`,
    );
  }
  return driver.output.layout(request);
}

/** The formats Platter writes; `images` leaves out raw (what `create` makes has a structure). */
export function writtenFormats(images = false): FormatDriver[] {
  return FORMAT_DRIVERS.filter((d) => d.output && (!images || d.describe));
}

/** The driver named `name` (as --format spells it), or null. */
export function driverNamed(name: string): FormatDriver | null {
  return FORMAT_DRIVERS.find((d) => d.format === name) ?? null;
}

/** The driver a file name asks for by its extension (`disk.vhdx`), or null. */
export function driverNamedBy(path: string): FormatDriver | null {
  const lower = path.toLowerCase();
  return FORMAT_DRIVERS.find((d) => d.extensions.some((e) => lower.endsWith(e))) ?? null;
}

/** The formats with a structure of their own, as messages name them: "VHD or VHDX". */
export function imageFormatNames(): string {
  return joinedWithOr(FORMAT_DRIVERS.filter((d) => d.describe).map((d) => d.name));
}

/** "a, b or c", in alphabetical order (the table's order is the probing order). */
export function joinedWithOr(items: readonly string[]): string {
  const sorted = [...items].sort();
  return sorted.length > 1 ? `${sorted.slice(0, -1).join(', ')} or ${sorted[sorted.length - 1]}` : sorted.join('');
}

/** Refuses a file no structured driver claims, where only an image will do. */
export function notAnImage(path: string, remedy?: string): PlatterError {
  return new PlatterError(
    'UNSUPPORTED',
    `${path} is not a ${imageFormatNames()} image`,
    remedy ?? `give the path of a ${imageFormatNames()} file`,
    { path },
  );
}
