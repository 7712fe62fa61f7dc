// The VDI seeds the fuzzer makes: dynamic and fixed disks Platter writes, and a differencing child of the dynamic one
// (patched by hand: Platter writes no VDI children), with data in known places.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage } from '../../electron/engine/ops/convert';
import { writeRaw } from '../helpers/data';
import type { Seed } from './corpus';

const MiB = 1024 * 1024;

export async function vdiSeeds(root: string): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const made = async (name: string, target: string, make: (dir: string) => Promise<void>, parent: string | null) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await make(dir);
    seeds.push({ name: `created ${name}`, format: 'vdi', dir, target, parent });
  };
  const dynamic = async (dir: string, name: string, seed: string, pieces: [number, number][]) => {
    await writeRaw(join(dir, `${name}.img`), 4 * MiB, pieces, seed);
    await convertImage({ input: join(dir, `${name}.img`), output: join(dir, `${name}.vdi`) });
  };
  await made(
    'vdi-dynamic',
    'd.vdi',
    (dir) =>
      dynamic(dir, 'd', 'vdi-d', [
        [4096, 64 * 1024],
        [2 * MiB + 512, 700 * 1024],
      ]),
    null,
  );
  await made(
    'vdi-fixed',
    'd.vdi',
    async (dir) => {
      await writeRaw(join(dir, 'd.img'), 3 * MiB, [[MiB - 4096, 8192]], 'vdi-f');
      await convertImage({ input: join(dir, 'd.img'), output: join(dir, 'd.vdi'), type: 'fixed' });
    },
    null,
  );
  await made(
    'vdi-differencing',
    'c.vdi',
    async (dir) => {
      await dynamic(dir, 'p', 'vdi-p', [[0, 3 * MiB]]);
      await dynamic(dir, 'c', 'vdi-c', [[MiB + 4096, 64 * 1024]]);
      const parent = await readFile(join(dir, 'p.vdi'));
      const child = await readFile(join(dir, 'c.vdi'));
      child.writeUInt32LE(4, 0x4c); // differencing, of p.vdi
      parent.copy(child, 0x1a8, 0x188, 0x1a8);
      child.writeUInt32LE(0xfffffffe, MiB + 2 * 4); // a zero block over the parent's data
      await writeFile(join(dir, 'c.vdi'), child);
    },
    'p.vdi',
  );
  return seeds;
}
