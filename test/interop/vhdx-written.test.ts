// VHDX images Platter writes: raw -> VHDX -> raw gives the same bytes back, and qemu-img 7.2 (check, compare,
// info) and libvhdi read each one alike: fixed and dynamic, 1 to 256 MiB blocks, 512- and 4096-byte sectors.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { openImage } from '../../electron/engine/image/open-image';
import type { VhdxImage } from '../../electron/engine/formats/vhdx/vhdx-image';
import { checkImage } from '../../electron/engine/ops/check';
import { convertImage } from '../../electron/engine/ops/convert';
import { hashImage } from '../../electron/engine/ops/hash';
import { cli } from '../helpers/cli';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { pyvhdiHash, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

interface Case {
  readonly type: 'fixed' | 'dynamic';
  readonly blockSize: number;
  readonly logical: 512 | 4096;
  readonly size: number;
}

const cases: Case[] = [
  { type: 'dynamic', blockSize: MiB, logical: 512, size: 7 * MiB + 3 * 512 },
  { type: 'dynamic', blockSize: 2 * MiB, logical: 4096, size: 20 * MiB + 4096 },
  { type: 'dynamic', blockSize: 32 * MiB, logical: 512, size: 100 * MiB },
  { type: 'dynamic', blockSize: 256 * MiB, logical: 4096, size: 300 * MiB },
  { type: 'fixed', blockSize: MiB, logical: 512, size: 9 * MiB },
  { type: 'fixed', blockSize: 32 * MiB, logical: 4096, size: 40 * MiB },
];

/** Data at the start, across a block boundary, in the middle and in the last sector; zeros elsewhere. */
function pieces({ blockSize, size }: Case): [number, number][] {
  const middle = Math.floor(size / 2 / 4096) * 4096;
  return [
    [0, 300 * 1024],
    [blockSize - 8192, 16384],
    [middle, 70000],
    [size - 4096, 4096],
  ];
}

/** qemu-img: check clean, compare identical, the same size and block size. */
async function expectQemuReads(vhdx: string, raw: string, c: Case): Promise<void> {
  expect(await run('qemu-img', ['check', '-f', 'vhdx', vhdx])).toContain('No errors were found');
  expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vhdx', raw, vhdx])).toContain('identical');
  const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vhdx', vhdx])) as {
    'virtual-size': number;
    'cluster-size': number;
  };
  expect(info).toMatchObject({ 'virtual-size': c.size, 'cluster-size': c.blockSize });
}

describe.skipIf(!tools.qemuImg)('VHDX written by Platter', () => {
  it.each(cases.map((c) => [`${c.type}, ${c.blockSize / MiB} MiB blocks, ${c.logical}-byte sectors`, c] as const))(
    '%s: round trip and peers',
    async (_name, c) => {
      const dir = await tempDir();
      const raw = join(dir, 'disk.img');
      await writeRaw(raw, c.size, pieces(c));
      const vhdx = join(dir, 'disk.vhdx');
      const result = await convertImage({
        input: raw,
        output: vhdx,
        type: c.type,
        blockSize: c.blockSize,
        logicalSectorSize: c.logical,
        verify: true,
      });
      expect(result).toMatchObject({ format: 'vhdx', diskType: c.type, blockSize: c.blockSize, virtualSize: c.size });
      const image = (await openImage(vhdx)) as VhdxImage;
      expect(image.structure.metadata).toMatchObject({
        blockSize: c.blockSize,
        logicalSectorSize: c.logical,
        physicalSectorSize: 4096,
        leaveBlocksAllocated: c.type === 'fixed',
        hasParent: false,
      });
      expect(image.structure.warnings).toEqual([]);
      await image.close();
      expect((await checkImage(vhdx)).problems).toEqual([]);
      // Back to raw: the same bytes.
      const back = join(dir, 'back.img');
      await convertImage({ input: vhdx, output: back });
      expect(await sha256File(back)).toBe(await sha256File(raw));
      if (c.logical === 4096) {
        // qemu-img 7.2 reads 512-byte-sector VHDX only (block/vhdx.c refuses the rest): libvhdi is the peer here.
        await expect(run('qemu-img', ['check', '-f', 'vhdx', vhdx])).rejects.toThrow(/Operation not supported/);
      } else {
        await expectQemuReads(vhdx, raw, c);
      }
      if (tools.pyvhdi) expect(await pyvhdiHash(vhdx)).toBe(await sha256File(raw));
      if (tools.vhdiinfo) {
        const out = await run('vhdiinfo', [vhdx]);
        expect(out).toMatch(new RegExp(`Disk type\\s*: ${c.type === 'fixed' ? 'Fixed' : 'Dynamic'}`));
        expect(out).toMatch(new RegExp(`Bytes per sector\\s*: ${c.logical} bytes`));
      }
    },
  );

  it('a dynamic VHDX holds only the blocks with data; a raw source that is not whole sectors is padded', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'odd.img');
    await writeRaw(raw, 5 * MiB + 100, [[3 * MiB, 1000]]);
    const vhdx = join(dir, 'odd.vhdx');
    const result = await convertImage({ input: raw, output: vhdx, blockSize: MiB, logicalSectorSize: 4096 });
    expect(result.virtualSize).toBe(5 * MiB + 4096);
    const image = (await openImage(vhdx)) as VhdxImage;
    expect(image.blockStates().filter((s) => s === 'allocated')).toHaveLength(1);
    await image.close();
    const bytes = Buffer.concat([await readFile(raw), Buffer.alloc(4096 - 100)]);
    expect((await hashImage(vhdx)).sha256).toBe(
      (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'),
    );
  });

  it('refuses block and sector sizes VHDX does not have, writing nothing', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await writeRaw(raw, 4 * MiB, [[0, 4096]]);
    const bad = await convertImage({ input: raw, output: join(dir, 'x.vhdx'), blockSize: 512 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(isPlatterError(bad, 'BAD_ARGUMENT')).toBe(true);
    const sector = await cli('convert', raw, join(dir, 'y.vhdx'), '--logical-sector', '1024');
    expect(sector).toMatchObject({ code: 2 });
    expect(sector.stderr).toMatch(/^platter: --logical-sector "1024" is not a sector size - use --logical-sector 512/);
    const vhd = await cli('convert', raw, join(dir, 'z.vhd'), '--logical-sector', '4096');
    expect(vhd.code).toBe(1);
    expect(vhd.stderr).toContain('only a VHDX records sector sizes');
    expect(await cli('convert', raw, join(dir, 'cli.vhdx'), '--quiet')).toMatchObject({ code: 0 });
  });
});

describe.skipIf(!tools.qemuImg || !tools.vhdiinfo)('platter create of a VHDX', () => {
  it.each([
    ['dynamic, 20 GiB', ['--size', '20G'], 20 * 1024 * MiB, 'Dynamic'],
    ['fixed, 64 MiB in 1 MiB blocks', ['--size', '64M', '--type', 'fixed', '--block-size', '1M'], 64 * MiB, 'Fixed'],
    ['dynamic, 64 TiB (the largest)', ['--size', '64T'], 64 * 1024 ** 4, 'Dynamic'],
  ])('%s: qemu-img and libvhdi read it at the size asked', async (_name, args, size, type) => {
    const path = join(await tempDir(), 'new.vhdx');
    const result = await cli('create', path, ...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'vhdx', virtualSize: size });
    expect(await run('qemu-img', ['check', '-f', 'vhdx', path])).toContain('No errors were found');
    const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vhdx', path])) as {
      'virtual-size': number;
    };
    expect(info['virtual-size']).toBe(size);
    const vhdi = await run('vhdiinfo', [path]);
    expect(vhdi).toMatch(new RegExp(`Disk type\\s*: ${type}`));
    expect(vhdi).toContain(`(${size} bytes)`);
    expect((await checkImage(path)).problems).toEqual([]);
  });

  it('refuses past 64 TiB, a size that is not whole logical sectors, and a VHDX child of a VHD, writing nothing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'no.vhdx');
    expect((await cli('create', path, '--size', '65T')).stderr).toContain('larger than the VHDX limit of 64 TiB');
    const odd = await cli('create', path, '--size', '1049088', '--logical-sector', '4096');
    expect(odd.stderr).toContain('is not a positive multiple of the 4096-byte logical sector');
    const base = join(dir, 'base.vhd');
    expect((await cli('create', base, '--size', '1M')).code).toBe(0);
    expect((await cli('create', path, '--parent', base)).stderr).toMatch(
      /^platter: \S+base\.vhd is a VHD, and a differencing VHDX needs a VHDX parent - make a VHD child \(name it \.vhd\)/,
    );
    expect(await readdir(dir)).toEqual(['base.vhd']);
  });
});
