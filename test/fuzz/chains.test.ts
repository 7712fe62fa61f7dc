// Chains the mutator cannot reach by editing one file: a chain deeper than the reader follows, two children that
// are each other's parent, and a child that is its own. Every operation ends at once with the typed error.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vhdChecksum } from '../../electron/engine/formats/vhd/checksum';
import { isPlatterError } from '../../electron/engine/errors';
import { MAX_CHAIN_DEPTH } from '../../electron/engine/formats/driver';
import { openImage } from '../../electron/engine/image/open-image';
import { checkImage } from '../../electron/engine/ops/check';
import { createImage } from '../../electron/engine/ops/create';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { repairImage } from '../../electron/engine/ops/repair';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { convertImage } from '../../electron/engine/ops/convert';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

async function base(dir: string) {
  const raw = join(dir, 'base.img');
  await writeRaw(raw, 2 * MiB, [[4096, 300_000]]);
  const path = join(dir, 'p0.vhd'); // every name in a chain has six characters, so one can replace another
  await convertImage({ input: raw, output: path, blockSize: 512 * 1024 });
  return { raw, path };
}

/** `chain[0]` is the base; each later disk is a child of the one before. */
async function chainOf(dir: string, children: number): Promise<string[]> {
  const chain = [(await base(dir)).path];
  for (let i = 1; i <= children; i++) {
    const path = join(dir, `c${i}.vhd`);
    await createImage({ path, parent: chain[i - 1]! });
    chain.push(path);
  }
  return chain;
}

/** Points a child's header at another parent: its UUID, and its name in place of `from` (same length). */
async function repoint(child: string, uuid: string, from: string, to: string): Promise<void> {
  const bytes = await readFile(child);
  for (const encode of [(s: string) => Buffer.from(s, 'utf16le'), (s: string) => Buffer.from(s, 'utf16le').swap16()]) {
    for (let i = bytes.indexOf(encode(from)); i >= 0; i = bytes.indexOf(encode(from), i + 1)) encode(to).copy(bytes, i);
  }
  Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(bytes, 512 + 40);
  bytes.writeUInt32BE(vhdChecksum(bytes.subarray(512, 1536), 36), 512 + 36);
  await writeFile(child, bytes);
}

/** Every reading operation on `path` fails, quickly, with `code`; check names it too. */
async function refusedEverywhere(path: string, code: string): Promise<void> {
  const started = performance.now();
  for (const run of [() => openImage(path), () => hashImage(path)]) {
    const error = await run().catch((e: unknown) => e);
    expect(isPlatterError(error, code as never), String(error)).toBe(true);
  }
  expect((await checkImage(path)).problems.map((p) => p.code)).toContain(code);
  expect((await repairImage({ path, dryRun: true })).before.problems.map((p) => p.code)).toContain(code);
  await inspectImage(path); // info reads only this file's headers: it describes the child
  expect(performance.now() - started).toBeLessThan(30_000);
}

describe('hostile chains', () => {
  it(`reads a chain of ${MAX_CHAIN_DEPTH} disks and refuses a deeper one`, async () => {
    const dir = await tempDir();
    const chain = await chainOf(dir, MAX_CHAIN_DEPTH);
    const expected = (await hashImage(chain[0]!)).sha256;
    expect((await hashImage(chain[MAX_CHAIN_DEPTH - 1]!)).sha256).toBe(expected);
    expect((await checkImage(chain[MAX_CHAIN_DEPTH - 1]!)).problems).toEqual([]);
    await refusedEverywhere(chain[MAX_CHAIN_DEPTH]!, 'VHD_CHAIN_TOO_DEEP');
  });

  it('refuses two children that are each other’s parent', async () => {
    const dir = await tempDir();
    const [, a, b] = (await chainOf(dir, 2)) as [string, string, string];
    await repoint(a, (await inspectImage(b)).uuid, 'p0.vhd', 'c2.vhd'); // a's parent is now b
    await refusedEverywhere(a, 'VHD_PARENT_CYCLE');
    await refusedEverywhere(b, 'VHD_PARENT_CYCLE');
  });

  it('refuses a child that is its own parent', async () => {
    const dir = await tempDir();
    const [, child] = (await chainOf(dir, 1)) as [string, string];
    const before = await sha256File(child);
    await repoint(child, (await inspectImage(child)).uuid, 'p0.vhd', 'c1.vhd');
    expect(await sha256File(child)).not.toBe(before);
    await refusedEverywhere(child, 'VHD_PARENT_CYCLE');
  });
});
