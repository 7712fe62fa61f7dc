// Hostile VDIs: each header field VirtualBox validates, a block map past the file or out of range, blocks used twice,
// a cut-short file. Every one ends in a typed error (or a problem `check` names), never a crash or a huge allocation.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import { checkImage } from '../../../electron/engine/ops/check';
import { convertImage } from '../../../electron/engine/ops/convert';
import { hashImage } from '../../../electron/engine/ops/hash';
import { writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';

const MiB = 1024 * 1024;
const MAP = MiB;
const tempDir = useTempDirs();

/** A dynamic VDI of 5 MiB with data in blocks 0, 2 and 3 (three data blocks, in that order), and its raw source. */
async function baseVdi(dir: string): Promise<{ vdi: string; raw: string; bytes: Buffer }> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 5 * MiB, [
    [4096, 8192],
    [2 * MiB + 512, 70000],
    [3 * MiB, 4096],
  ]);
  const vdi = join(dir, 'disk.vdi');
  await convertImage({ input: raw, output: vdi });
  return { vdi, raw, bytes: await readFile(vdi) };
}

async function mutated(edit: (b: Buffer) => Buffer | void): Promise<string> {
  const dir = await tempDir();
  const { vdi, bytes } = await baseVdi(dir);
  const out = edit(bytes) ?? bytes;
  await writeFile(vdi, out);
  return vdi;
}

async function openError(path: string): Promise<unknown> {
  const image = await openImage(path).catch((e: unknown) => e);
  if (!(image instanceof Error)) await (image as { close(): Promise<void> }).close();
  return image;
}

async function checkCodes(path: string): Promise<string[]> {
  return (await checkImage(path)).problems.filter((p) => p.severity === 'error').map((p) => p.code);
}

const u32 = (at: number, value: number) => (b: Buffer) => void b.writeUInt32LE(value >>> 0, at);

/** What is changed, the error opening it gives, and the error `check` names (the same unless given). */
const badHeaders: [string, (b: Buffer) => Buffer | void, string, string?][] = [
  ['version 2.0', u32(0x44, 0x00020000), 'UNSUPPORTED'],
  ['a header size below 0x180', u32(0x48, 0x17f), 'VDI_BAD_HEADER'],
  ['image type 5', u32(0x4c, 5), 'VDI_BAD_HEADER'],
  ['unknown image flags', u32(0x50, 0x10), 'VDI_BAD_HEADER'],
  ['a block map inside the header', u32(0x154, 0x100), 'VDI_BAD_HEADER'],
  ['a data offset inside the block map', u32(0x158, MAP + 8), 'VDI_BAD_HEADER'],
  ['4096-byte LCHS sectors', u32(0x1d4, 4096), 'VDI_BAD_HEADER'],
  ['a disk size of 0', (b) => void b.writeBigUInt64LE(0n, 0x170), 'VDI_BAD_HEADER'],
  ['a disk size past 2^53', (b) => void b.writeBigUInt64LE(2n ** 60n, 0x170), 'VDI_BAD_HEADER'],
  ['a disk larger than its blocks', (b) => void b.writeBigUInt64LE(BigInt(6 * MiB), 0x170), 'VDI_BAD_HEADER'],
  ['a block size not a power of two', u32(0x178, 3 * MiB), 'VDI_BAD_HEADER'],
  ['a 512 MiB block size', u32(0x178, 512 * MiB), 'VDI_BAD_HEADER'],
  ['extra block data not a power of two', u32(0x17c, 100), 'VDI_BAD_HEADER'],
  ['more blocks allocated than exist', u32(0x184, 6), 'VDI_BAD_HEADER'],
  ['an all-zero image UUID', (b) => void b.fill(0, 0x188, 0x198), 'VDI_BAD_HEADER'],
  ['an all-zero modification UUID', (b) => void b.fill(0, 0x198, 0x1a8), 'VDI_BAD_HEADER'],
  ['a differencing image naming no parent', u32(0x4c, 4), 'VDI_BAD_HEADER'],
  ['a file cut inside the header', (b) => b.subarray(0, 300), 'VDI_BAD_HEADER'],
  [
    'a 2 GiB block map in a 5 MiB file',
    (b) => {
      b.writeUInt32LE(0x20000000, 0x180);
      b.writeUInt32LE(0xfff00000, 0x158);
    },
    'VDI_BAD_BLOCK_MAP',
  ],
  ['a file cut inside the block map', (b) => b.subarray(0, MAP + 8), 'VDI_BAD_BLOCK_MAP'],
  [
    'a file cut inside its last block',
    (b) => b.subarray(0, b.length - 4096),
    'VDI_BAD_BLOCK_MAP',
    'VDI_BLOCK_PAST_END',
  ],
  ['an entry past the end of the file', u32(MAP + 2 * 4, 1000), 'VDI_BAD_BLOCK_MAP', 'VDI_BLOCK_OUT_OF_RANGE'],
];

describe('hostile VDIs', () => {
  it.each(badHeaders)('%s: a typed error on open and from check', async (_name, edit, code, checkCode = code) => {
    const path = await mutated(edit);
    const error = await openError(path);
    expect(isPlatterError(error, code as never), String(error)).toBe(true);
    expect((error as Error).message).toContain(path);
    expect(await checkCodes(path)).toContain(checkCode);
    expect(isPlatterError(await hashImage(path).catch((e: unknown) => e))).toBe(true);
  });

  it('a signature that is not VDI: not taken for a VDI (nor read as raw unless allowed)', async () => {
    const path = await mutated((b) => void b.writeUInt32LE(0xbeda107e, 0x40));
    expect(isPlatterError(await openError(path), 'UNSUPPORTED')).toBe(true);
  });

  it('a block used twice, an entry past the allocated count: check names each, reading still works', async () => {
    const twice = await mutated(u32(MAP + 4 * 4, 0));
    expect(await checkCodes(twice)).toEqual(['VDI_BLOCK_DUPLICATE', 'VDI_ALLOCATED_MISMATCH']);
    const image = await openImage(twice);
    const [a, b] = [new Uint8Array(4096), new Uint8Array(4096)];
    await image.read(a, 4096);
    await image.read(b, 4 * MiB + 4096);
    expect(Buffer.from(b)).toEqual(Buffer.from(a));
    await image.close();
    const counted = await mutated(u32(0x184, 2));
    expect(await checkCodes(counted)).toEqual(['VDI_BLOCK_OUT_OF_RANGE', 'VDI_ALLOCATED_MISMATCH']);
    const wild = await mutated(u32(MAP + 4 * 4, 0x7fffffff));
    expect(await checkCodes(wild)).toContain('VDI_BLOCK_OUT_OF_RANGE');
  });

  it('a zero block reads as zeros; a clean image checks clean', async () => {
    const dir = await tempDir();
    const { vdi, raw } = await baseVdi(dir);
    expect(await checkCodes(vdi)).toEqual([]);
    const bytes = await readFile(vdi);
    bytes.writeUInt32LE(0xfffffffe, MAP + 2 * 4);
    bytes.writeUInt32LE(0xfffffffe, MAP + 3 * 4);
    bytes.writeUInt32LE(1, 0x184);
    await writeFile(vdi, bytes);
    expect(await checkCodes(vdi)).toEqual([]);
    const expected = await readFile(raw);
    expected.fill(0, 2 * MiB, 4 * MiB);
    const image = await openImage(vdi);
    const all = new Uint8Array(5 * MiB);
    await image.read(all, 0);
    await image.close();
    expect(Buffer.from(all).equals(expected)).toBe(true);
  });
});
