// Small images with seeded data in known places, for the kill rows and the fault cases.
import { createHash } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage } from '../../../electron/engine/image/open-image';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashDisk } from '../../../electron/engine/ops/hash';
import { InPlaceVhdWriter } from '../../../electron/engine/formats/vhd/in-place-writer';
import { seededBytes, writeRaw } from '../../helpers/data';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Content SHA-256 of any image, raw files included. */
export async function contentOf(path: string): Promise<string> {
  const image = await openImage(path, { allowRaw: true });
  try {
    return await hashDisk(image);
  } finally {
    await image.close();
  }
}

/** SHA-256 of `size` bytes of a raw file's content: cut short, or grown with zeros. */
export async function rawContentAt(raw: string, size: number): Promise<string> {
  const bytes = await readFile(raw);
  const sized = Buffer.alloc(size);
  bytes.copy(sized, 0, 0, Math.min(size, bytes.length));
  return createHash('sha256').update(sized).digest('hex');
}

export interface BuiltVhd {
  /** The raw disk the VHD was made from. */
  readonly raw: string;
  readonly path: string;
}

/** A VHD (dynamic unless `type` says) made from a raw disk of `size` bytes with seeded data at `pieces`. */
export async function vhdFrom(
  dir: string,
  size: number,
  pieces: [number, number][],
  options: { blockSize?: number; name?: string; type?: 'fixed' | 'dynamic' } = {},
): Promise<BuiltVhd> {
  const name = options.name ?? 'disk';
  const raw = join(dir, `${name}.img`);
  await writeRaw(raw, size, pieces, name);
  const path = join(dir, `${name}.vhd`);
  await convertImage({
    input: raw,
    output: path,
    ...(options.blockSize && { blockSize: options.blockSize }),
    ...(options.type && { type: options.type }),
  });
  return { raw, path };
}

/** Writes `pieces` ([offset, bytes]) into a VHD in place, as a guest would. */
export async function writeInto(path: string, pieces: readonly [number, Uint8Array][]): Promise<void> {
  const writer = await InPlaceVhdWriter.open(path);
  try {
    for (const [offset, bytes] of pieces) await writer.write(offset, bytes);
    await writer.sync();
  } finally {
    await writer.close();
  }
}

/** A parent with data in its first half (512 KiB blocks), and a child of it holding data of its own. */
export async function parentAndChild(dir: string): Promise<{ parent: BuiltVhd; child: string }> {
  const parent = await vhdFrom(dir, 4 * MiB, [[0, 2 * MiB]], { blockSize: 512 * KiB, name: 'parent' });
  const child = join(dir, 'child.vhd');
  await createImage({ path: child, parent: parent.path });
  await writeInto(child, [
    [768 * KiB, seededBytes('child-1', MiB)],
    [3 * MiB + 4 * KiB, seededBytes('child-2', 8 * KiB)],
  ]);
  return { parent, child };
}

/** A copy of a VHD that keeps its UUID (so a child accepts it as its parent) but holds other data. */
export async function lookalike(source: string, copy: string, seed: string): Promise<void> {
  await copyFile(source, copy);
  await writeInto(copy, [[0, seededBytes(seed, 64 * KiB)]]);
}
