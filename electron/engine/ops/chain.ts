// A differencing chain, described from headers alone: the image, then each parent down to the base, or to the
// first parent that cannot be found or read. One walk for every format, for `platter info` and the Image view.
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { IpcError } from '../../../shared/errors';
import { PlatterError } from '../errors';
import { MAX_CHAIN_DEPTH } from '../formats/driver';
import type { Description, FormatDriver } from '../formats/driver';
import type { ImageFormat } from '../image/disk-image';
import { notAnImage, probeFormat } from '../formats/table';
import { RandomAccessFile } from '../io/random-access-file';
import { toIpcError } from '../ipc-error';

/** One disk of a chain, child first. */
export interface ChainLevel {
  readonly path: string;
  readonly format: ImageFormat;
  readonly diskType: Description['diskType'];
  /** Its identity: what its child's link names (VHD UUID, VHDX DataWriteGuid). */
  readonly uuid: string;
  readonly virtualSize: number;
  readonly fileSize: number;
  /** Bytes of virtual disk this file holds itself. */
  readonly allocatedBytes: number;
}

/** Where a chain stops short of its base: the parent of `childPath` cannot be found or read. */
export interface ChainBreak {
  readonly childPath: string;
  /** The parent as the child records it. */
  readonly name: string;
  readonly uuid: string;
  readonly reason: string;
  readonly error: IpcError;
}

export interface Chain {
  readonly levels: readonly ChainLevel[];
  readonly broken: ChainBreak | null;
}

/** An image described by its driver. */
export interface DescribedImage {
  readonly path: string;
  readonly driver: FormatDriver;
  readonly description: Description;
}

/** The driver whose signature the file at `path` carries, and the file's size. */
async function probeAt(path: string): Promise<{ driver: FormatDriver; size: number }> {
  const file = await RandomAccessFile.open(path);
  try {
    return { driver: await probeFormat(file), size: file.size };
  } finally {
    await file.close();
  }
}

/** Reads the headers of the image at `path` through its driver; raw files are refused (they have none). */
export async function describeImage(path: string, rawRemedy?: string): Promise<DescribedImage> {
  const absolute = resolve(path);
  const { driver } = await probeAt(absolute);
  if (!driver.describe) throw notAnImage(absolute, rawRemedy);
  return { path: absolute, driver, description: await driver.describe(absolute) };
}

function levelOf({ path, driver, description: d }: DescribedImage): ChainLevel {
  return {
    path,
    format: driver.format,
    diskType: d.diskType,
    uuid: d.identity,
    virtualSize: d.virtualSize,
    fileSize: d.fileSize,
    allocatedBytes: d.allocatedBytes,
  };
}

/** A raw file as the base of a chain (a qcow2's backing file may be one): every byte its own. */
function rawLevel(path: string, driver: FormatDriver, size: number): ChainLevel {
  return {
    path,
    format: driver.format,
    diskType: 'fixed',
    uuid: '',
    virtualSize: size,
    fileSize: size,
    allocatedBytes: size,
  };
}

/** Walks from an already described image down its parents, stopping at a missing parent, a loop or the depth limit. */
export async function walkChain(first: DescribedImage): Promise<Chain> {
  const levels: ChainLevel[] = [levelOf(first)];
  const seen = new Set([await realpath(first.path)]);
  let current = first;
  for (;;) {
    const parent = current.description.parent;
    if (!parent) return { levels, broken: null };
    const stop = (error: IpcError): Chain => ({
      levels,
      broken: { childPath: current.path, name: parent.name, uuid: parent.uuid, reason: error.message, error },
    });
    if (parent.resolvedPath === null) {
      const why = current.description.parentError;
      return stop(
        toIpcError(why ?? new PlatterError('VHD_PARENT_NOT_FOUND', `the parent ${parent.name} was not found`)),
      );
    }
    if (levels.length >= MAX_CHAIN_DEPTH) {
      const message = `the differencing chain is more than ${MAX_CHAIN_DEPTH} disks deep`;
      return stop({ code: 'VHD_CHAIN_TOO_DEEP', message, remedy: 'merge some of the chain into its parents' });
    }
    const real = await realpath(parent.resolvedPath);
    if (seen.has(real)) {
      const message = `the differencing chain loops back on itself at ${parent.resolvedPath}`;
      return stop({ code: 'VHD_PARENT_CYCLE', message, remedy: 'point the child at the right parent' });
    }
    seen.add(real);
    try {
      const path = resolve(parent.resolvedPath);
      const { driver, size } = await probeAt(path);
      if (!driver.describe) return { levels: [...levels, rawLevel(path, driver, size)], broken: null };
      current = { path, driver, description: await driver.describe(path) };
    } catch (err) {
      return stop(toIpcError(err));
    }
    levels.push(levelOf(current));
  }
}

/** The chain of the image at `path`. */
export async function describeChain(path: string): Promise<Chain> {
  return walkChain(await describeImage(path));
}
