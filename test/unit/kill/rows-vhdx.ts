// compact, resize and check --repair of a VHDX killed: each reader (Platter with its log replayed in memory;
// qemu-img and libvhdi once qemu-img has replayed a copy) reads the old content or the new one, alike.
import { join } from 'node:path';
import { compactImage } from '../../../electron/engine/ops/compact';
import { convertImage } from '../../../electron/engine/ops/convert';
import { repairImage } from '../../../electron/engine/ops/repair';
import { resizeImage } from '../../../electron/engine/ops/resize';
import { sha256File, writeRaw } from '../../helpers/data';
import { open } from 'node:fs/promises';
import { PAYLOAD_STATE, payloadEntryIndex, writeBatEntry } from '../../../electron/engine/formats/vhdx/bat';
import type { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { openImage } from '../../../electron/engine/image/open-image';
import { copyFixture, entryOf } from '../../helpers/fixtures';
import { run } from '../../helpers/tools';
import { MiB } from './build';
import type { KillRow, KillSetup } from './harness';

/** A fixed VHDX of 1 MiB blocks, 24 MiB, with data in its first 12 MiB. */
async function fixedVhdx(dir: string): Promise<{ raw: string; path: string }> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 24 * MiB, [
    [0, MiB],
    [9 * MiB, 3 * MiB],
  ]);
  const path = join(dir, 'disk.vhdx');
  await convertImage({ input: raw, output: path, blockSize: MiB, type: 'fixed' });
  return { raw, path };
}

/** A dynamic VHDX of 1 MiB blocks with data in a few of them, and a block of written zeros compact can drop. */
async function dynamicVhdx(dir: string): Promise<{ raw: string; path: string; content: string }> {
  const raw = join(dir, 'disk.img');
  await writeRaw(raw, 24 * MiB, [
    [0, MiB],
    [9 * MiB, 3 * MiB],
    [14 * MiB, 1000],
    [20 * MiB, MiB],
  ]);
  const path = join(dir, 'disk.vhdx');
  await convertImage({ input: raw, output: path, blockSize: MiB });
  await run('qemu-io', ['-f', 'vhdx', '-c', `write -P 0 ${4 * MiB} ${2 * MiB}`, path]);
  return { raw, path, content: await sha256File(raw) };
}

/** The dynamic VHDX with its BAT damaged: block 9 past the end of the file, block 20 over block 0. */
async function damagedBatVhdx(dir: string): Promise<{ raw: string; path: string }> {
  const { raw, path } = await dynamicVhdx(dir);
  const image = (await openImage(path)) as VhdxImage;
  const s = image.structure;
  await image.close();
  const file = await open(path, 'r+');
  for (const [block, offsetMiB] of [
    [9, 4000],
    [20, s.bat.payloadOffsetMiB[0]!],
  ] as const) {
    const entry = Buffer.alloc(8);
    writeBatEntry(new DataView(entry.buffer), 0, { state: PAYLOAD_STATE.fullyPresent, fileOffsetMiB: offsetMiB });
    await file.write(entry, 0, 8, s.batRegion.fileOffset + payloadEntryIndex(s.geometry, block) * 8);
  }
  await file.close();
  return { raw, path };
}

function inPlaceVhdxRow(
  name: string,
  minKills: number,
  make: (dir: string) => Promise<{ path: string; args: string[]; keep: string[]; rerun: () => Promise<unknown> }>,
  damaged = false,
): KillRow {
  return {
    name,
    minKills,
    damaged,
    async setup(dir): Promise<KillSetup> {
      const { path, args, keep, rerun } = await make(dir);
      return {
        args,
        watched: [{ path, format: 'vhdx' }],
        sources: [],
        products: [path, ...keep],
        rerun: async () => void (await rerun()),
      };
    },
  };
}

export const VHDX_ROWS: readonly KillRow[] = [
  inPlaceVhdxRow('compact a dynamic VHDX', 3, async (dir) => {
    const { raw, path } = await dynamicVhdx(dir);
    return { path, args: ['compact', path, '--quiet'], keep: [raw], rerun: () => compactImage({ path }) };
  }),
  inPlaceVhdxRow('grow a dynamic VHDX', 3, async (dir) => {
    const { raw, path } = await dynamicVhdx(dir);
    return {
      path,
      args: ['resize', path, '40M', '--quiet'],
      keep: [raw],
      rerun: () => resizeImage({ path, size: 40 * MiB }),
    };
  }),
  inPlaceVhdxRow('shrink a dynamic VHDX', 3, async (dir) => {
    const { raw, path } = await dynamicVhdx(dir);
    return {
      path,
      args: ['resize', path, '22M', '--quiet'],
      keep: [raw],
      rerun: () => resizeImage({ path, size: 22 * MiB }),
    };
  }),
  // Its new blocks are zeroed past the last block and flushed before the update names them.
  inPlaceVhdxRow('grow a fixed VHDX', 6, async (dir) => {
    const { raw, path } = await fixedVhdx(dir);
    return {
      path,
      args: ['resize', path, '40M', '--quiet'],
      keep: [raw],
      rerun: () => resizeImage({ path, size: 40 * MiB }),
    };
  }),
  // The file is cut once the update no longer names the blocks past the new end.
  inPlaceVhdxRow('shrink a fixed VHDX', 6, async (dir) => {
    const { raw, path } = await fixedVhdx(dir);
    return {
      path,
      args: ['resize', path, '13M', '--quiet'],
      keep: [raw],
      rerun: () => resizeImage({ path, size: 13 * MiB }),
    };
  }),
  // The dropped entries change in one logged update.
  inPlaceVhdxRow(
    'check --repair of a VHDX whose BAT places blocks past the end and over each other',
    4,
    async (dir) => {
      const { raw, path } = await damagedBatVhdx(dir);
      return { path, args: ['check', '--repair', path, '--quiet'], keep: [raw], rerun: () => repairImage({ path }) };
    },
    true,
  ),
  inPlaceVhdxRow(
    'check --repair of the Windows 10 VHDX with a dirty log',
    2,
    async (dir) => {
      const path = await copyFixture(entryOf('vhdx/windows10-dirtylog-1g.vhdx').file, dir);
      return { path, args: ['check', '--repair', path, '--quiet'], keep: [], rerun: () => repairImage({ path }) };
    },
    true,
  ),
];
