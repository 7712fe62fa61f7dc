// The images the fuzzer starts from: every VHD, VHDX, VDI, qcow2 and single-file VMDK fixture in ../shared/fixtures whose
// file is small enough to rewrite for each case, plus fixed, dynamic and differencing VHDs, VDIs (vdi-corpus.ts) and
// both VMDK subformats Platter makes with data in known places. Each seed lives in its own folder with what it
// needs beside it.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { convertImage } from '../../electron/engine/ops/convert';
import { createImage } from '../../electron/engine/ops/create';
import { InPlaceVhdWriter } from '../../electron/engine/formats/vhd/in-place-writer';
import { seededBytes, writeRaw } from '../helpers/data';
import { copyFixture, fixturePath, manifest } from '../helpers/fixtures';
import { vdiSeeds } from './vdi-corpus';

export interface Seed {
  readonly name: string;
  readonly format: 'vhd' | 'vhdx' | 'vdi' | 'vmdk' | 'qcow2';
  /** Folder holding the target and its parent, if any. */
  readonly dir: string;
  /** File name of the image the operations open. */
  readonly target: string;
  /** File name of the parent, for a differencing child made here. */
  readonly parent: string | null;
}

const MiB = 1024 * 1024;
const KiB = 1024;
/** Each case writes its mutated copy: larger files (a 260 MiB Disk2vhd image) would make the run slow, not better. */
const MAX_SEED_FILE = 80 * MiB;

/** The formats whose fixtures seed the fuzzer. */
const SEED_FORMATS = ['vhd', 'vhdx', 'vdi', 'vmdk', 'qcow2'] as const;

export async function buildCorpus(root: string): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const entry of manifest()) {
    const format = SEED_FORMATS.find((f) => f === entry.format);
    if (!format) continue;
    // A VMDK of several files: only the one file is mutated, so only the single-file ones are seeds.
    if (entry.companionFiles?.length) continue;
    if ((await stat(fixturePath(entry.file))).size > MAX_SEED_FILE) continue;
    const dir = join(root, `fixture-${seeds.length}`);
    await mkdir(dir, { recursive: true });
    await copyFixture(entry.file, dir);
    seeds.push({ name: entry.file, format, dir, target: basename(entry.file), parent: null });
  }
  const made = async (name: string, make: (dir: string) => Promise<void>, parent: string | null = null) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await make(dir);
    seeds.push({ name: `created ${name}`, format: 'vhd', dir, target: parent ? 'c.vhd' : 'd.vhd', parent });
  };
  await made('fixed', async (dir) => {
    await writeRaw(
      join(dir, 'd.img'),
      3 * MiB,
      [
        [0, 64 * KiB],
        [MiB + 3 * KiB, 700 * KiB],
      ],
      'fixed',
    );
    await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.vhd'), type: 'fixed' });
  });
  await made('dynamic-512k', async (dir) => {
    const pieces: [number, number][] = [0, 1, 3, 6].map((b) => [b * 512 * KiB + 4 * KiB, 300 * KiB]);
    await writeRaw(join(dir, 'd.img'), 4 * MiB, pieces, 'dynamic');
    await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.vhd'), blockSize: 512 * KiB });
  });
  await made('dynamic-2m', async (dir) => {
    await writeRaw(
      join(dir, 'd.img'),
      6 * MiB + 5 * KiB,
      [
        [2 * MiB - 4 * KiB, 8 * KiB],
        [5 * MiB, 9 * KiB],
      ],
      'dyn2',
    );
    await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.vhd') });
  });
  await made(
    'differencing',
    async (dir) => {
      await writeRaw(join(dir, 'p.img'), 4 * MiB, [[0, 3 * MiB]], 'parent');
      await convertImage({ input: join(dir, 'p.img'), output: join(dir, 'p.vhd'), blockSize: 512 * KiB });
      await createImage({ path: join(dir, 'c.vhd'), parent: join(dir, 'p.vhd') });
      // Partial blocks: some sectors from the child, the rest still read from the parent.
      const writer = await InPlaceVhdWriter.open(join(dir, 'c.vhd'));
      await writer.write(512 * KiB + 4 * KiB, seededBytes('child-a', 64 * KiB));
      await writer.write(3 * MiB, seededBytes('child-b', 512 * KiB));
      await writer.sync();
      await writer.close();
      await writeFile(join(dir, 'README'), 'c.vhd is a differencing child of p.vhd\n');
    },
    'p.vhd',
  );
  seeds.push(...(await vdiSeeds(root)));
  for (const subformat of ['monolithic-sparse', 'stream-optimized']) {
    const dir = join(root, `vmdk-${subformat}`);
    await mkdir(dir, { recursive: true });
    const pieces: [number, number][] = [0, 5, 600].map((g) => [g * 64 * KiB + 100, 70 * KiB]);
    await writeRaw(join(dir, 'd.img'), 40 * MiB, pieces, subformat);
    await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.vmdk'), subformat });
    seeds.push({ name: `created VMDK ${subformat}`, format: 'vmdk', dir, target: 'd.vmdk', parent: null });
  }
  // An OVA: the stream-optimized disk inside a ustar tar after its .ovf, as OVF exports write it.
  const ova = join(root, 'vmdk-ova');
  await mkdir(ova, { recursive: true });
  await writeFile(join(ova, 'vm.ovf'), '<?xml version="1.0"?><Envelope/>\n');
  await copyFile(join(root, 'vmdk-stream-optimized', 'd.vmdk'), join(ova, 'd.vmdk'));
  const tar = `import tarfile, sys
with tarfile.open(sys.argv[1] + '/vm.ova', 'w', format=tarfile.USTAR_FORMAT) as t:
    for n in ('vm.ovf', 'd.vmdk'): t.add(sys.argv[1] + '/' + n, arcname=n)`;
  execFileSync('/usr/bin/python3', ['-c', tar, ova]);
  seeds.push({ name: 'created OVA', format: 'vmdk', dir: ova, target: 'vm.ova', parent: null });
  // qcow2 as Platter writes it: compressed clusters, and small clusters with many L2 tables.
  for (const [name, options] of [
    ['qcow2-compressed', { compress: true }],
    ['qcow2-4k', { blockSize: 4 * KiB }],
  ] as const) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeRaw(
      join(dir, 'd.img'),
      3 * MiB,
      [
        [0, 200 * KiB],
        [2 * MiB + 512, 100 * KiB],
      ],
      name,
    );
    await writeFile(join(dir, 'd.img'), Buffer.alloc(256 * KiB, 0x33), { flag: 'r+' });
    await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.qcow2'), ...options });
    seeds.push({ name: `created ${name}`, format: 'qcow2', dir, target: 'd.qcow2', parent: null });
  }
  return seeds;
}
