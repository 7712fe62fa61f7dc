// The size of a block device given as a source (a whole disk or a partition): stat reports 0 for devices. The
// addon asks the driver; without it Linux still tells through sysfs.
import { readFile } from 'node:fs/promises';
import { PlatterError } from '../errors';
import { nativeAddon } from './native-addon';

const SECTOR = 512;

/** Linux's device number split as glibc's makedev packs it. */
function linuxMajorMinor(rdev: number): [number, number] {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}

async function sysfsSize(rdev: number): Promise<number | null> {
  if (process.platform !== 'linux') return null;
  const [major, minor] = linuxMajorMinor(rdev);
  try {
    const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    return Number.isSafeInteger(sectors) && sectors > 0 ? sectors * SECTOR : null;
  } catch {
    return null;
  }
}

export async function blockDeviceSize(fd: number, rdev: number, path: string): Promise<number> {
  const addon = nativeAddon();
  let size: number | null = null;
  try {
    size = addon?.deviceSize?.(fd) ?? null;
  } catch {
    size = null;
  }
  size ??= await sysfsSize(rdev);
  if (size === null || size <= 0) {
    throw new PlatterError(
      'UNSUPPORTED',
      `cannot tell the size of the device ${path}, or it holds nothing (no medium inserted?)`,
      'check that the disk or card is in place; otherwise copy the device into an image file (for example with dd) and use that file',
      { path },
    );
  }
  return size;
}
