// What making a differencing child (create --parent, convert --parent) checks first, for every format: that Platter
// writes children of the format, and that the parent is an image of that same format.
import { PlatterError } from '../errors';
import type { FormatDriver } from '../formats/driver';
import type { ChildOutput } from '../formats/output';
import { driverFor } from '../formats/table';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import type { OpenOptions } from '../image/open-image';

/** The driver's child writer; UNSUPPORTED when Platter writes no differencing children of its format. */
export function childWriter(driver: FormatDriver): ChildOutput {
  const children = driver.output?.children;
  if (!children || !driver.capabilities('differencing').createChild)
    throw new PlatterError(
      'UNSUPPORTED',
      `Platter does not write differencing ${driver.name} children yet`,
      'make the child with Hyper-V (New-VHD -Differencing), or as a .vhd or .vhdx',
    );
  return children;
}

/**
 * Opens the parent of a new `driver` child. A parent of another format is refused (BAD_ARGUMENT): a child can only
 * name a parent of its own format (MS-VHD, MS-VHDX), so Hyper-V, qemu and libvhdi would not read it.
 */
export async function openParentOfChild(
  driver: FormatDriver,
  path: string,
  options: OpenOptions = {},
): Promise<DiskImage> {
  const parent = await openImage(path, options);
  const parentDriver = driverFor(parent.format);
  if (parentDriver === driver) return parent;
  await parent.close();
  throw new PlatterError(
    'BAD_ARGUMENT',
    `${path} is a ${parentDriver.name}, and a differencing ${driver.name} needs a ${driver.name} parent`,
    `make a ${parentDriver.name} child (name it ${parentDriver.extensions[0]}), or convert the parent to ${driver.name} first and make the child of the copy`,
    { path },
  );
}
