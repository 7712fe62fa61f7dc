// set-parent, resize and merge of a differencing VHDX killed: each image reads its old content or its new one, in
// Platter (its log replayed in memory) and once qemu-img has replayed it (then read by Platter and libvhdi) alike.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIB } from '../../../electron/engine/formats/vhdx/fields';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { openImage } from '../../../electron/engine/image/open-image';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { convertToChild } from '../../../electron/engine/ops/convert-delta';
import { mergeImage } from '../../../electron/engine/ops/merge';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { exists } from './row-kinds';
import { setParent } from '../../../electron/engine/ops/set-parent';
import { seededBytes, writeRaw } from '../../helpers/data';
import type { KillRow, KillSetup } from './harness';

const SIZE = 8 * MIB;
const LOOKALIKE = seededBytes('lookalike', 64 * 1024);

/**
 * A VHDX parent (1 MiB blocks, data in its first two), a child of it holding block 1 changed, and a lookalike of
 * the parent at `moved` (same DataWriteGuid, so the child accepts it, but other bytes in block 0): the child reads
 * one content through the old parent and another through the lookalike.
 */
async function vhdxChain(dir: string, moved: string) {
  const parentRaw = join(dir, 'parent.img');
  await writeRaw(parentRaw, SIZE, [[0, 2 * MIB]], 'parent');
  const parent = join(dir, 'parent.vhdx');
  await convertImage({ input: parentRaw, output: parent, blockSize: MIB });
  const bytes = await readFile(parentRaw);
  seededBytes('child', 8192).copy(bytes, MIB + 4096);
  const childRaw = join(dir, 'child.img');
  await writeFile(childRaw, bytes);
  const child = join(dir, 'child.vhdx');
  await convertToChild({ input: childRaw, output: child, parent });
  // The lookalike: the parent's file with other bytes written straight into its first block.
  await copyFile(parent, moved);
  const image = (await openImage(parent)) as VhdxImage;
  const at = image.structure.bat.payloadOffsetMiB[0]! * MIB;
  await image.close();
  const handle = await open(moved, 'r+');
  await handle.write(LOOKALIKE, 0, LOOKALIKE.length, at);
  await handle.close();
  LOOKALIKE.copy(bytes, 0);
  return { parentRaw, parent, childRaw, child, throughLookalike: createHash('sha256').update(bytes).digest('hex') };
}

function setParentRow(name: string, movedUnder: readonly string[]): KillRow {
  return {
    name,
    minKills: 4,
    async setup(dir): Promise<KillSetup> {
      await mkdir(join(dir, movedUnder[0]!));
      const moved = join(dir, ...movedUnder);
      const { parentRaw, parent, childRaw, child, throughLookalike } = await vhdxChain(dir, moved);
      return {
        args: ['set-parent', child, moved],
        watched: [{ path: child, format: 'vhdx-child' }],
        sources: [parent, moved],
        products: [parentRaw, parent, childRaw, movedUnder[0]!, child],
        rerun: async () => void (await setParent({ child, parent: moved })),
        expected: { [child]: throughLookalike },
      };
    },
  };
}

/**
 * A child grown past its parent: the block holding the old end gets space of its own (the parent's bytes, then
 * zeros), flushed before the update names it; the blocks past it read as zeros of the child's own.
 */
const growChildRow: KillRow = {
  name: 'grow a differencing VHDX',
  minKills: 7,
  async setup(dir): Promise<KillSetup> {
    const parentRaw = join(dir, 'parent.img');
    const oldSize = 3 * MIB + 512;
    await writeRaw(parentRaw, oldSize, [[0, 3 * MIB + 512]], 'parent');
    const parent = join(dir, 'parent.vhdx');
    await convertImage({ input: parentRaw, output: parent, blockSize: MIB });
    const bytes = await readFile(parentRaw);
    seededBytes('child', 8192).copy(bytes, MIB + 4096);
    const childRaw = join(dir, 'child.img');
    await writeFile(childRaw, bytes);
    const child = join(dir, 'child.vhdx');
    await convertToChild({ input: childRaw, output: child, parent });
    const grown = Buffer.concat([bytes, Buffer.alloc(12 * MIB - oldSize)]);
    return {
      args: ['resize', child, '12M', '--quiet'],
      watched: [{ path: child, format: 'vhdx-child', libvhdiLength: 4 * MIB }],
      sources: [parent],
      products: [parentRaw, parent, childRaw, child],
      rerun: async () => void (await resizeImage({ path: child, size: 12 * MIB })),
      expected: { [child]: createHash('sha256').update(grown).digest('hex') },
    };
  },
};

/** A child of `parent` at `path` reading as `bytes`, which differ from the parent only where `changes` say. */
async function childWith(dir: string, name: string, parent: string, bytes: Buffer, changes: [number, string][]) {
  for (const [at, seed] of changes) seededBytes(seed, 8192).copy(bytes, at);
  const raw = join(dir, `${name}.img`);
  await writeFile(raw, bytes);
  const path = join(dir, `${name}.vhdx`);
  await convertToChild({ input: raw, output: path, parent });
  return { raw, path };
}

/**
 * merge of a VHDX child into its parent, dynamic or itself a child of a base: the child (until it is removed)
 * reads what it read before; the parent, holding part of the child's changes, reads alike in every reader with no
 * problem found, and the merged content once the merge has run again. In a folder of their own: a merge looks for
 * other children of the parent in the folders beside the child's.
 */
function mergeRow(name: string, intoChild: boolean): KillRow {
  return {
    name,
    minKills: 8,
    async setup(dir): Promise<KillSetup> {
      const folder = join(dir, 'chain');
      await mkdir(folder);
      const baseRaw = join(folder, 'base.img');
      await writeRaw(baseRaw, SIZE, [[0, 6 * MIB]], 'base');
      const base = join(folder, 'base.vhdx');
      await convertImage({ input: baseRaw, output: base, blockSize: MIB });
      const bytes = await readFile(baseRaw);
      const parent = intoChild ? (await childWith(folder, 'middle', base, bytes, [[MIB + 4096, 'middle']])).path : base;
      // Blocks 1 (the middle holds it), 3 and 5 (left to the base, whose data fills the rest of them), and 7,
      // which no disk of the chain holds: new space in the parent, named through its log.
      const changes: [number, string][] = [
        [MIB + 512, 'top-1'],
        [3 * MIB + 65536, 'top-3'],
        [5 * MIB, 'top-5'],
        [7 * MIB + 4096, 'top-7'],
      ];
      const { path: child } = await childWith(folder, 'top', parent, bytes, changes);
      return {
        args: ['merge', child, '--quiet'],
        watched: [
          { path: parent, format: intoChild ? 'vhdx-child' : 'vhdx', between: true },
          { path: child, format: 'vhdx-child' },
        ],
        sources: intoChild ? [base] : [],
        products: ['chain'],
        rerun: async () => void ((await exists(child)) && (await mergeImage({ child }))),
        expected: { [parent]: createHash('sha256').update(bytes).digest('hex') },
      };
    },
  };
}

/**
 * A VHDX child with block 1 changed and block 3 held but zeroed (the parent reads zeros there too): compact gives
 * block 3 back to the parent, in a new file renamed over the child.
 */
const compactChildRow: KillRow = {
  name: 'compact a differencing VHDX',
  minKills: 3,
  async setup(dir): Promise<KillSetup> {
    const parentRaw = join(dir, 'parent.img');
    await writeRaw(parentRaw, SIZE, [[0, 2 * MIB]], 'parent');
    const parent = join(dir, 'parent.vhdx');
    await convertImage({ input: parentRaw, output: parent, blockSize: MIB });
    const bytes = await readFile(parentRaw);
    seededBytes('child', 8192).copy(bytes, MIB + 4096);
    seededBytes('dropped', 4096).copy(bytes, 3 * MIB);
    const childRaw = join(dir, 'child.img');
    await writeFile(childRaw, bytes);
    const child = join(dir, 'child.vhdx');
    await convertToChild({ input: childRaw, output: child, parent });
    const image = (await openImage(child)) as VhdxImage;
    const at = image.structure.bat.payloadOffsetMiB[3]! * MIB;
    await image.close();
    const handle = await open(child, 'r+');
    await handle.write(new Uint8Array(4096), 0, 4096, at);
    await handle.close();
    return {
      args: ['compact', child],
      watched: [{ path: child, format: 'vhdx-child' }],
      sources: [parent],
      products: [parentRaw, parent, childRaw, child],
      rerun: async () => void (await compactImage({ path: child })),
    };
  },
};

export const VHDX_CHAIN_ROWS: readonly KillRow[] = [
  compactChildRow,
  growChildRow,
  mergeRow('merge a VHDX child into its dynamic parent', false),
  mergeRow('merge a VHDX child into a differencing parent', true),
  // A shorter path: the new locator fits the old one's space, and its table entry's length changes with it.
  setParentRow('set-parent of a VHDX, the locator rewritten in its place', ['m', 'p.vhdx']),
  // A longer path: the new locator goes to free space in the metadata region, its table entry moved with it.
  setParentRow('set-parent of a VHDX, the locator moved in the metadata region', [
    'a folder with a much longer name',
    'the renamed parent disk.vhdx',
  ]),
];
