import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { DiskImage } from './disk-image';
import { MAX_CHAIN_DEPTH } from '../formats/driver';
import type { FormatDriver } from '../formats/driver';
import { rawDriver } from '../formats/raw/driver';
import { notAnImage, probeFormat } from '../formats/table';
import { rollBackInterrupted } from '../io/undo-journal';
import { RandomAccessFile } from '../io/random-access-file';

export interface OpenOptions {
  /** Read a file of unknown format as raw (true) or refuse it (false, the default). */
  readonly allowRaw?: boolean;
  /** The content will be copied or hashed: refuse a file (or a parent) another program is writing. */
  readonly consistent?: boolean;
  /**
   * The image will be changed in place: claim it (image-lock.ts) before its first byte is read, so that nothing
   * another program writes between this read and the change is lost. Its parents are only read.
   */
  readonly claim?: boolean;
}

/** Opens an image of any supported format read-only, following differencing chains. */
export async function openImage(path: string, options: OpenOptions = {}): Promise<DiskImage> {
  return openInChain(resolve(path), options, []);
}

/** Opens a file Platter has just written as `driver`'s format, without probing it (a raw output may hold anything). */
export async function openImageAs(path: string, driver: FormatDriver): Promise<DiskImage> {
  const file = await RandomAccessFile.open(path);
  try {
    return await driver.open(file, (parentPath) =>
      Promise.reject(new PlatterError('UNSUPPORTED', `${path} unexpectedly names a parent (${parentPath})`)),
    );
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** `chain` holds the real paths of the children already open, child first: the parent opener checks against it. */
async function openInChain(path: string, options: OpenOptions, chain: string[]): Promise<DiskImage> {
  // A change killed half-way is undone before anything is read (its journal is beside the image).
  await rollBackInterrupted(path);
  const guard = chain.length === 0 && options.claim ? 'claim' : options.consistent ? 'consistent' : 'none';
  const file = await RandomAccessFile.open(path, 'r', guard);
  try {
    const driver = await probeFormat(file);
    if (driver === rawDriver && !options.allowRaw) throw notAnImage(path);
    return await driver.open(file, async (parentPath, parentOptions) => {
      if (chain.length + 1 >= MAX_CHAIN_DEPTH) {
        throw new PlatterError(
          'VHD_CHAIN_TOO_DEEP',
          `the differencing chain of ${path} is more than ${MAX_CHAIN_DEPTH} disks deep`,
          'merge some of the chain into its parents',
          { path },
        );
      }
      const real = await realpath(path);
      const parentReal = await realpath(parentPath);
      if (parentReal === real || chain.includes(parentReal)) {
        throw new PlatterError(
          'VHD_PARENT_CYCLE',
          `the differencing chain of ${path} loops back on itself at ${parentPath}`,
          'the child points at itself or at one of its own children; point it at the right parent with `platter set-parent`',
          { path, parentPath },
        );
      }
      return openInChain(parentPath, { ...options, allowRaw: parentOptions?.allowRaw ?? false }, [...chain, real]);
    });
  } catch (err) {
    await file.close();
    throw err;
  }
}
