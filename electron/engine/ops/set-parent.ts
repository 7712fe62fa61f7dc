import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { FormatDriver } from '../formats/driver';
import { probeFormat } from '../formats/table';
import { RandomAccessFile } from '../io/random-access-file';

export interface SetParentOptions {
  readonly child: string;
  readonly parent: string;
}

export interface SetParentResult {
  readonly child: string;
  readonly parent: string;
  /** The identity the child records for its parent (VHD UUID, VHDX DataWriteGuid). */
  readonly parentUuid: string;
}

async function driverOf(path: string): Promise<FormatDriver> {
  const file = await RandomAccessFile.open(path);
  try {
    return await probeFormat(file);
  } finally {
    await file.close();
  }
}

/**
 * Points a differencing child at its parent's new location, once the parent is checked to be the very disk the
 * child was made from: rewrites where the child says its parent lives, nothing else. Each format does it so that
 * an error or a kill leaves the child pointing at the old path or the new one (docs/chains-merge-resize.md).
 */
export async function setParent(options: SetParentOptions): Promise<SetParentResult> {
  const child = resolve(options.child);
  const parent = resolve(options.parent);
  const driver = await driverOf(child);
  const diskType = driver.describe ? (await driver.describe(child)).diskType : null;
  if (diskType !== 'differencing')
    throw new PlatterError(
      'BAD_ARGUMENT',
      `${child} is a ${diskType ? `${diskType} disk` : driver.name}, which has no parent`,
      'give the path of a differencing (child) VHD or VHDX',
    );
  const children = driver.output?.children;
  if (!children || !driver.capabilities(diskType).setParent)
    throw new PlatterError(
      'UNSUPPORTED',
      `Platter cannot re-point a differencing ${driver.name} yet`,
      'point it at its parent with the program that made it',
    );
  return { child, parent, parentUuid: await children.setParent(child, parent) };
}
