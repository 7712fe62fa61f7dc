// Building VHDs with data in known blocks and damaging them the way crashes, bad copies and hand edits do.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { journalPathFor } from '../../../electron/engine/io/pending-journal';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { chooseFooter, readFooterCopies, readVhdStructure } from '../../../electron/engine/formats/vhd/vhd-structure';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { repairImage } from '../../../electron/engine/ops/repair';
import { writeRaw } from '../../helpers/data';
import { pyvhdiHash, run, tools, vhdiMediaSize } from '../../helpers/tools';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export interface TestDisk {
  readonly path: string;
  readonly raw: string;
  readonly size: number;
}

/** A dynamic VHD of `size` bytes in `blockSize` blocks holding seeded data in `blocks`, and the raw it came from. */
export async function dynamicDisk(
  dir: string,
  { size = 4 * MiB, blockSize = 512 * KiB, blocks = [0, 1, 3, 5, 7], name = 'disk' } = {},
): Promise<TestDisk> {
  const raw = join(dir, `${name}.img`);
  await writeRaw(
    raw,
    size,
    blocks.map((b) => [b * blockSize + 4096, blockSize - 8192]),
    name,
  );
  const path = join(dir, `${name}.vhd`);
  await convertImage({ input: raw, output: path, blockSize });
  return { path, raw, size };
}

export interface Layout {
  readonly fileSize: number;
  readonly tableOffset: number;
  readonly blockSize: number;
  readonly bitmapSize: number;
  readonly bat: Uint32Array;
  readonly uuid: string;
}

/** The structures of a sound image. */
export async function layoutOf(path: string): Promise<Layout> {
  const file = await RandomAccessFile.open(path);
  try {
    const s = await readVhdStructure(file);
    return {
      fileSize: file.size,
      tableOffset: s.header?.tableOffset ?? 0,
      blockSize: s.header?.blockSize ?? 0,
      bitmapSize: s.bitmapSize,
      bat: s.bat ?? new Uint32Array(0),
      uuid: s.footer.uuid,
    };
  } finally {
    await file.close();
  }
}

export async function patch(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`no such offset: ${offset}`);
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

export async function readBytes(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

export function u32(value: number): Uint8Array {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

export async function setBatEntry(path: string, layout: Layout, block: number, sector: number): Promise<void> {
  await patch(path, layout.tableOffset + block * 4, u32(sector));
}

/** Flips every bit of the byte at `offset` (negative: from the end). */
export async function flip(path: string, offset: number): Promise<void> {
  const at = offset < 0 ? (await stat(path)).size + offset : offset;
  const [byte] = await readBytes(path, at, 1);
  await patch(path, at, Uint8Array.of(byte! ^ 0xff));
}

/** SHA-256 of the raw disk with `zeroed` [start, end) ranges read as zeros. */
export async function contentWith(raw: string, zeroed: readonly { start: number; end: number }[] = []) {
  const bytes = await readFile(raw);
  for (const r of zeroed) bytes.fill(0, r.start, r.end);
  return createHash('sha256').update(bytes).digest('hex');
}

export async function contentHash(path: string): Promise<string> {
  return (await hashImage(path)).sha256;
}

/** qemu-img's exit code for `check -f vpc`: 63 (no check for this format) means it opened the image; 1 that it failed. */
export function qemuCheckCode(path: string): Promise<number> {
  return new Promise((done) =>
    execFile('qemu-img', ['check', '-f', 'vpc', path], (err) => done(err ? Number(err.code ?? 1) : 0)),
  );
}

/** qemu-img, qemu-img convert and libvhdi open `path` and read `sha256` over `size` bytes. */
export async function expectPeersRead(path: string, dir: string, sha256: string, size: number): Promise<void> {
  if (tools.qemuImg) {
    expect(await qemuCheckCode(path)).toBe(63);
    const out = join(dir, `qemu-${Date.now()}.raw`);
    await run('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', path, out]);
    const bytes = await readFile(out);
    expect(bytes.length).toBe(size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
  }
  if (tools.vhdiinfo) expect(await vhdiMediaSize(path)).toBe(size);
  if (tools.pyvhdi) expect(await pyvhdiHash(path)).toBe(sha256);
}

/** The UUID in the footer the reader trusts, read even from a damaged image. */
export async function footerUuid(path: string): Promise<string> {
  const file = await RandomAccessFile.open(path);
  try {
    const copies = await readFooterCopies(file);
    const source = chooseFooter(copies);
    if (!source) throw new Error(`${path} has no footer`);
    return copies[source]!.parsed.footer.uuid;
  } finally {
    await file.close();
  }
}

/** Repairs, then checks what every repair must give: a clean image with its UUID, read alike by every peer. */
export async function expectRepaired(
  path: string,
  dir: string,
  raw: string,
  zeroed: { start: number; end: number }[] = [],
) {
  const uuid = await footerUuid(path);
  const result = await repairImage({ path });
  expect(result.after?.problems).toEqual([]);
  expect(await footerUuid(path)).toBe(uuid);
  const expected = await contentWith(raw, zeroed);
  expect(await contentHash(path)).toBe(expected);
  await expectPeersRead(path, dir, expected, (await stat(raw)).size);
  await expect(stat(journalPathFor(path))).rejects.toThrow();
  return result;
}
