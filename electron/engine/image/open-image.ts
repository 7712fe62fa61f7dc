import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { ascii } from '../format/fields';
import { FOOTER_SIZE, hasFooterCookie } from '../format/footer';
import type { DiskImage, ImageFormat } from './disk-image';
import { foreignFormat, unsupportedFormat } from './foreign-formats';
import { findParent, readParentReference } from './parent-reference';
import { rollBackInterrupted } from '../ops/undo-journal';
import { RandomAccessFile } from './random-access-file';
import { RawImage } from './raw-image';
import { VhdImage } from './vhd-image';
import { openVhdx } from './vhdx-image';
import { readVhdStructure } from './vhd-structure';

/** Deepest differencing chain followed before giving up (Hyper-V itself stops far earlier). */
export const MAX_CHAIN_DEPTH = 64;

/**
 * Tells a file's format from its signatures: VHDX's at the start, VHD's footer at the end (or its copy at the
 * start). A container Platter does not read yet (qcow2, VMDK, VDI...) is refused by name, never taken for raw.
 */
export async function detectFormat(file: RandomAccessFile): Promise<ImageFormat> {
  const size = file.size;
  if (size >= 8 && ascii(await file.readAt(0, 8), 0, 8) === 'vhdxfile') return 'vhdx';
  if (size >= FOOTER_SIZE && hasFooterCookie(await file.readAt(size - FOOTER_SIZE, 8))) return 'vhd';
  if (size >= FOOTER_SIZE - 1 && hasFooterCookie(await file.readAt(size - FOOTER_SIZE + 1, 8))) return 'vhd';
  if (size >= FOOTER_SIZE && hasFooterCookie(await file.readAt(0, 8))) return 'vhd';
  const foreign = await foreignFormat(file);
  if (foreign) throw unsupportedFormat(file.path, foreign);
  return 'raw';
}

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

async function openInChain(path: string, options: OpenOptions, chain: string[]): Promise<DiskImage> {
  // A change killed half-way is undone before anything is read (its journal is beside the image).
  await rollBackInterrupted(path);
  const guard = chain.length === 0 && options.claim ? 'claim' : options.consistent ? 'consistent' : 'none';
  const file = await RandomAccessFile.open(path, 'r', guard);
  try {
    const format = await detectFormat(file);
    if (format === 'raw') {
      if (options.allowRaw) return new RawImage(file);
      throw new PlatterError(
        'UNSUPPORTED',
        `${path} is not a VHD or VHDX image`,
        'give the path of a .vhd or .vhdx file',
        { path },
      );
    }
    if (format === 'vhdx') {
      return await openVhdx(file, async (parentPath) => {
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
            'the child points at itself or at one of its own children; find the parent it was made from',
            { path, parentPath },
          );
        }
        return openInChain(parentPath, { ...options, allowRaw: false }, [...chain, real]);
      });
    }
    const structure = await readVhdStructure(file);
    if (structure.footer.diskType !== 'differencing') return new VhdImage(file, structure, null);
    const parentPath = await locateParent(path, file, structure, chain);
    const parent = await openInChain(parentPath, { ...options, allowRaw: false }, [...chain, await realpath(path)]);
    return new VhdImage(file, structure, parent);
  } catch (err) {
    await file.close();
    throw err;
  }
}

async function locateParent(
  path: string,
  file: RandomAccessFile,
  structure: Awaited<ReturnType<typeof readVhdStructure>>,
  chain: string[],
) {
  if (chain.length + 1 >= MAX_CHAIN_DEPTH) {
    throw new PlatterError(
      'VHD_CHAIN_TOO_DEEP',
      `the differencing chain of ${path} is more than ${MAX_CHAIN_DEPTH} disks deep`,
      'merge some of the chain into its parents',
      {
        path,
      },
    );
  }
  const ref = await readParentReference(file, structure.header!, []);
  const parentPath = await findParent(path, ref, readVhdUuid);
  const real = await realpath(parentPath);
  if (real === (await realpath(path)) || chain.includes(real)) {
    throw new PlatterError(
      'VHD_PARENT_CYCLE',
      `the differencing chain of ${path} loops back on itself at ${parentPath}`,
      'the child points at itself or at one of its own children; point it at the right parent with `platter set-parent`',
      { path, parentPath },
    );
  }
  return parentPath;
}

/** The UUID of the VHD at `path`, or null when it is not a readable VHD. */
export async function readVhdUuid(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path);
  try {
    if ((await detectFormat(file)) !== 'vhd') return null;
    return (await readVhdStructure(file)).footer.uuid;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}
