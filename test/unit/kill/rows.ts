// The operations the kill test cuts short, one row each. A new operation is one more row: an output-writing one
// through `outputRow`, an in-place one through `inPlaceRow` (or a row of its own, as merge has).
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import { hasPendingJournal } from '../../../electron/engine/image/pending-journal';
import { checkImage } from '../../../electron/engine/ops/check';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { hashDisk, hashImage } from '../../../electron/engine/ops/hash';
import { InPlaceVhdWriter } from '../../../electron/engine/ops/in-place-writer';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { repairImage } from '../../../electron/engine/ops/repair';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { seededBytes, sha256File, writeRaw } from '../../helpers/data';
import { contentWith, layoutOf, patch, readBytes, setBatEntry } from '../check/damage';
import type { KillCase, KillRow } from './harness';

const KiB = 1024;
const MiB = 1024 * KiB;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Content SHA-256 of any image, raw files included. */
async function content(path: string): Promise<string> {
  const image = await openImage(path, { allowRaw: true });
  try {
    return await hashDisk(image);
  } finally {
    await image.close();
  }
}

/** An operation writing a new file: after a kill the output is absent, or complete and valid. */
function outputRow(
  name: string,
  make: (dir: string) => Promise<{ source: string; output: string; args: string[]; expected: string; keep: string[] }>,
): KillRow {
  return {
    name,
    async setup(dir) {
      const { source, output, args, expected, keep } = await make(dir);
      const valid = async () => {
        if (output.endsWith('.vhd')) expect((await checkImage(output)).problems).toEqual([]);
        expect(await content(output)).toBe(expected);
      };
      return {
        args,
        sources: [source],
        products: [source, output, ...keep],
        afterKill: async () => void ((await exists(output)) && (await valid())),
        rerun: async () => {
          if (await exists(output)) await unlink(output);
          await convertImage({ input: source, output });
        },
        final: valid,
      };
    },
  };
}

/**
 * An operation changing an image in place: after a kill the image is byte for byte as before, or `check` passes
 * (after `--repair` rolls back an interrupted change, where there is one) and it reads the old or the new content.
 */
function inPlaceRow(
  name: string,
  make: (dir: string) => Promise<{
    image: string;
    args: string[];
    old: string | null;
    next: string;
    keep: string[];
    redo: () => Promise<unknown>;
  }>,
): KillRow {
  return {
    name,
    async setup(dir): Promise<KillCase> {
      const { image, args, old, next, keep, redo } = await make(dir);
      const original = await sha256File(image);
      return {
        args,
        sources: [],
        products: [image, ...keep],
        async afterKill() {
          if (await hasPendingJournal(image)) {
            expect((await checkImage(image)).problems.map((p) => p.code)).toContain('INTERRUPTED');
            const error = await hashImage(image).catch((e: unknown) => e);
            expect(isPlatterError(error, 'INTERRUPTED')).toBe(true);
          } else if ((await sha256File(image)) === original) {
            return;
          }
          let report = await checkImage(image);
          if (!report.clean) {
            const repaired = await repairImage({ path: image });
            report = repaired.after ?? repaired.before;
          }
          expect(report.problems).toEqual([]);
          expect([old, next]).toContain(await content(image));
        },
        rerun: async () => void (await redo()),
        async final() {
          expect((await checkImage(image)).problems).toEqual([]);
          expect(await content(image)).toBe(next);
        },
      };
    },
  };
}

/** A dynamic VHD made from a raw disk with seeded data at `pieces`; returns both paths. */
async function vhdFrom(dir: string, size: number, pieces: [number, number][], blockSize?: number, name = 'disk') {
  const raw = join(dir, `${name}.img`);
  await writeRaw(raw, size, pieces, name);
  const path = join(dir, `${name}.vhd`);
  await convertImage({ input: raw, output: path, ...(blockSize && { blockSize }) });
  return { raw, path };
}

export const ROWS: Record<string, KillRow> = {
  'convert raw to VHD': outputRow('convert raw to VHD', async (dir) => {
    const source = join(dir, 'disk.img');
    await writeRaw(source, 8 * MiB, [
      [0, 300 * KiB],
      [2 * MiB + 4 * KiB, MiB],
      [6 * MiB, 100 * KiB],
    ]);
    const output = join(dir, 'out.vhd');
    return {
      source,
      output,
      args: ['convert', source, output, '--quiet'],
      expected: await sha256File(source),
      keep: [],
    };
  }),

  'convert VHD to raw': outputRow('convert VHD to raw', async (dir) => {
    const { raw, path } = await vhdFrom(
      dir,
      8 * MiB,
      [
        [MiB, 2 * MiB],
        [5 * MiB, 300 * KiB],
      ],
      512 * KiB,
    );
    const output = join(dir, 'out.img');
    return {
      source: path,
      output,
      args: ['convert', path, output, '--quiet'],
      expected: await sha256File(raw),
      keep: [raw],
    };
  }),

  'compact in place': inPlaceRow('compact in place', async (dir) => {
    const { raw, path } = await vhdFrom(dir, 16 * MiB, [[0, 16 * MiB]]);
    // Blocks 2, 3 and 5 hold only zeros now: compact drops them.
    const writer = await InPlaceVhdWriter.open(path);
    for (const block of [2, 3, 5]) await writer.write(block * 2 * MiB, new Uint8Array(2 * MiB));
    await writer.sync();
    await writer.close();
    const zeroed = [2, 3, 5].map((b) => ({ start: b * 2 * MiB, end: (b + 1) * 2 * MiB }));
    const same = await contentWith(raw, zeroed);
    return {
      image: path,
      args: ['compact', path, '--quiet'],
      old: same,
      next: same,
      keep: [raw],
      redo: () => compactImage({ path }),
    };
  }),

  'check --repair': inPlaceRow('check --repair', async (dir) => {
    const { raw, path } = await vhdFrom(
      dir,
      4 * MiB,
      [0, 1, 3, 5, 7].map((b): [number, number] => [b * 512 * KiB, 500 * KiB]),
      512 * KiB,
    );
    const layout = await layoutOf(path);
    await setBatEntry(path, layout, 3, layout.bat[1]!); // blocks 1 and 3 overlap: both dropped
    await patch(path, 512 + 900, Uint8Array.of(1)); // the header checksum no longer matches
    // An orphan block where the footer was, and the footer after it: the footer moves back, the block is cut off.
    const footer = await readBytes(path, 0, 512);
    await patch(path, layout.fileSize - 512, seededBytes('orphan', 512));
    await writeFile(path, Buffer.concat([seededBytes('orphan-rest', 512 * KiB), footer]), { flag: 'a' });
    const next = await contentWith(
      raw,
      [1, 3].map((b) => ({ start: b * 512 * KiB, end: (b + 1) * 512 * KiB })),
    );
    return {
      image: path,
      args: ['check', '--repair', path, '--quiet'],
      old: null,
      next,
      keep: [raw],
      redo: () => repairImage({ path }),
    };
  }),

  'resize a fixed disk': inPlaceRow('resize a fixed disk', async (dir) => {
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 4 * MiB, [[0, 4 * MiB]]);
    const path = join(dir, 'disk.vhd');
    await convertImage({ input: raw, output: path, type: 'fixed' });
    const old = await sha256File(raw);
    const grown = join(dir, 'grown.img');
    await writeFile(grown, Buffer.concat([await readFile(raw), Buffer.alloc(2 * MiB)]));
    const next = await sha256File(grown);
    return {
      image: path,
      args: ['resize', path, '6M', '--quiet'],
      old,
      next,
      keep: [raw, grown],
      redo: () => resizeImage({ path, size: 6 * MiB }),
    };
  }),

  'resize a dynamic disk': inPlaceRow('resize a dynamic disk', async (dir) => {
    const { raw, path } = await vhdFrom(dir, 8 * MiB, [
      [0, 3 * MiB],
      [7 * MiB, MiB],
    ]);
    const old = await sha256File(raw);
    const grown = join(dir, 'grown.img');
    await writeRaw(
      grown,
      16 * MiB,
      [
        [0, 3 * MiB],
        [7 * MiB, MiB],
      ],
      'disk',
    );
    const next = await sha256File(grown);
    return {
      image: path,
      args: ['resize', path, '16M', '--quiet'],
      old,
      next,
      keep: [raw, grown],
      redo: () => resizeImage({ path, size: 16 * MiB }),
    };
  }),

  merge: {
    name: 'merge',
    async setup(dir): Promise<KillCase> {
      const parent = await vhdFrom(dir, 8 * MiB, [[0, 8 * MiB]], 2 * MiB, 'parent');
      const child = join(dir, 'child.vhd');
      await createImage({ path: child, parent: parent.path });
      const writer = await InPlaceVhdWriter.open(child);
      await writer.write(MiB, seededBytes('child-1', 3 * MiB));
      await writer.write(6 * MiB + 4 * KiB, seededBytes('child-2', 8 * KiB));
      await writer.sync();
      await writer.close();
      const merged = await content(child);
      const childBytes = await sha256File(child);
      return {
        args: ['merge', child, '--quiet'],
        sources: [],
        products: [parent.raw, parent.path, child],
        async afterKill() {
          // The child is intact until the merge is complete; the parent is sound (perhaps part-merged).
          if (await exists(child)) expect(await sha256File(child)).toBe(childBytes);
          else expect(await content(parent.path)).toBe(merged);
          expect((await checkImage(parent.path)).problems).toEqual([]);
        },
        rerun: async () => void ((await exists(child)) && (await mergeImage({ child }))),
        async final() {
          expect(await exists(child)).toBe(false);
          expect(await content(parent.path)).toBe(merged);
        },
      };
    },
  },
};
