// The free-space readers under mutation: small ext4, NTFS, FAT32 and exFAT volumes made by their own tools, placed in
// a GPT partition, and their metadata (every non-zero sector that holds no file's data: superblocks, group
// descriptors, bitmaps, MFT records, boot sectors, FATs) changed at random, seeded. Reading the disk's unused space
// must end in time with a result or a PlatterError, and never call free a sector that holds a live file's data
// (exFAT's bitmap, which has no checksum, is checked against the directory tree's cluster chains for that).
// PLATTER_FUZZ_FS_CASES sets the cases per file system (default 40).
import { copyFile, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PlatterError } from '../../electron/engine/errors';
import { readUnusedSpace } from '../../electron/engine/ops/free-blocks';
import type { ByteRange } from '../../electron/engine/contents/free-space';
import { has, inRanges, openRaw } from '../unit/contents/free-space/make-fs';
import { makeDisk, makeVolume, toolsFor } from '../unit/ops/free-space-compact/volumes';
import type { FsKind } from '../unit/ops/free-space-compact/volumes';
import { Rng } from './rng';

const CASES = Number(process.env.PLATTER_FUZZ_FS_CASES ?? 40);
const SEED = Number(process.env.PLATTER_FUZZ_SEED ?? 20261202);
const CASE_MS = 30_000;
const SECTOR = 512;
const KINDS: FsKind[] = ['ext4', 'ntfs', 'fat32', 'exfat'];

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function keysOf(files: readonly string[]): Promise<Set<bigint>> {
  const keys = new Set<bigint>();
  for (const f of files) {
    const bytes = await readFile(f);
    for (let at = 0; at + SECTOR <= bytes.length; at += SECTOR) keys.add(bytes.readBigUInt64LE(at));
  }
  return keys;
}

/** The sectors of the disk that hold a live file's data, and those of metadata (non-zero, no file's data). */
async function classify(disk: string, live: readonly string[], deleted: readonly string[]) {
  const [liveKeys, deletedKeys] = [await keysOf(live), await keysOf(deleted)];
  const bytes = await readFile(disk);
  const liveSectors: number[] = [];
  const metadata: number[] = [];
  for (let at = 0; at + SECTOR <= bytes.length; at += SECTOR) {
    const s = bytes.subarray(at, at + SECTOR);
    if (s.every((b) => b === 0)) continue;
    const key = s.readBigUInt64LE(0);
    if (liveKeys.has(key)) liveSectors.push(at);
    else if (!deletedKeys.has(key)) metadata.push(at);
  }
  return { liveSectors, metadata };
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms (a hang)`)), ms).unref());
}

describe.skipIf(!has('sfdisk'))('free-space readers under mutation', () => {
  for (const kind of KINDS) {
    it.skipIf(!toolsFor(kind))(
      `${kind}: no crash, no hang, no live data called free`,
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'platter-fuzz-fs-'));
        dirs.push(dir);
        const volume = await makeVolume(dir, kind);
        const disk = await makeDisk(dir, volume, kind, 'gpt');
        const { liveSectors, metadata } = await classify(disk, volume.live, volume.deleted);
        expect(metadata.length).toBeGreaterThan(0);
        const rng = new Rng(SEED + kind.length);
        const work = join(dir, 'mutated.raw');
        const outcomes = { read: 0, refused: 0, keptWhole: 0, liveCalledFree: 0 };
        for (let n = 0; n < CASES; n++) {
          await copyFile(disk, work);
          const handle = await open(work, 'r+');
          try {
            const flips = 1 + rng.int(8);
            for (let i = 0; i < flips; i++) {
              const sector = metadata[rng.int(metadata.length)]!;
              const at = sector + rng.int(SECTOR);
              const byte = Buffer.from([rng.int(4) === 0 ? 0 : rng.int(256)]);
              await handle.write(byte, 0, 1, at);
            }
          } finally {
            await handle.close();
          }
          const image = await openRaw(work);
          let ranges: readonly ByteRange[] = [];
          try {
            const space = await Promise.race([readUnusedSpace(image), timeout(CASE_MS)]);
            ranges = space.ranges;
            if (space.volumes.some((v) => v.reason !== null)) outcomes.keptWhole++;
            else outcomes.read++;
          } catch (error) {
            if (!(error instanceof PlatterError)) throw error;
            outcomes.refused++;
          } finally {
            await image.close();
          }
          const calledFree = liveSectors.filter((s) => inRanges(ranges, s));
          if (calledFree.length > 0) outcomes.liveCalledFree++;
          expect(calledFree, `case ${n}: live sectors called free`).toEqual([]);
        }
        console.log(`free-space fuzz ${kind}: ${JSON.stringify(outcomes)}`);
      },
      900_000,
    );
  }
});
