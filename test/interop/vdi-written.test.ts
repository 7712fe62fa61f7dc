// VDI images Platter writes and VDI images qemu-img writes: raw -> VDI -> raw gives the same bytes back, the header
// is laid out as VirtualBox 7 lays its own out (read here byte by byte, not through Platter's parser), qemu-img 7.2
// checks each clean and compares it identical; qemu-made VDIs (dynamic and static) read as qemu's raw conversion;
// VDI -> VHDX -> VDI keeps every byte.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { vdiDriver } from '../../electron/engine/formats/vdi/driver';
import { checkImage } from '../../electron/engine/ops/check';
import { convertImage } from '../../electron/engine/ops/convert';
import { hashImage } from '../../electron/engine/ops/hash';
import { cli } from '../helpers/cli';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { qemuContentHash, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const NIL = Buffer.alloc(16);

interface Case {
  readonly size: number;
  readonly pieces: readonly [number, number][];
  /** Runs of zeros written as data (not holes), which a dynamic VDI must not hold as blocks. */
  readonly zeroRuns: readonly [number, number][];
}

const cases: Record<string, Case> = {
  '7 MiB and 3 sectors': {
    size: 7 * MiB + 3 * 512,
    pieces: [
      [0, 300 * 1024],
      [MiB - 8192, 16384],
      [7 * MiB, 1536],
    ],
    zeroRuns: [[4 * MiB, 2 * MiB]],
  },
  '96 MiB with data, zero runs and holes': {
    size: 96 * MiB,
    pieces: [
      [0, 2 * MiB + 4096],
      [17 * MiB - 512, 1024],
      [48 * MiB, 5 * MiB],
      [96 * MiB - 4096, 4096],
    ],
    zeroRuns: [
      [20 * MiB, 10 * MiB],
      [50 * MiB, 512 * 1024],
    ],
  },
};

async function makeRaw(path: string, c: Case): Promise<void> {
  await writeRaw(path, c.size, c.pieces, 'vdi');
  const file = await open(path, 'r+');
  try {
    for (const [at, length] of c.zeroRuns) await file.write(Buffer.alloc(length), 0, length, at);
  } finally {
    await file.close();
  }
}

/** 1 MiB blocks of the raw file holding a non-zero byte, counted from its bytes. */
async function blocksWithData(raw: string): Promise<number> {
  const bytes = await readFile(raw);
  let n = 0;
  for (let at = 0; at < bytes.length; at += MiB) if (bytes.subarray(at, at + MiB).some((b) => b !== 0)) n++;
  return n;
}

/** The header fields VirtualBox 7 writes, read from the bytes. */
async function expectVirtualBoxHeader(path: string, size: number, type: 'dynamic' | 'fixed'): Promise<number> {
  const b = await readFile(path);
  const blocks = Math.ceil(size / MiB);
  const dataOffset = MiB + Math.ceil((blocks * 4) / MiB) * MiB;
  expect(b.toString('latin1', 0, 40)).toBe('<<< Oracle VM VirtualBox Disk Image >>>\n');
  expect(b.subarray(40, 64).every((x) => x === 0)).toBe(true);
  expect([b.readUInt32LE(0x40), b.readUInt32LE(0x44), b.readUInt32LE(0x48)]).toEqual([0xbeda107f, 0x00010001, 0x190]);
  expect(b.readUInt32LE(0x4c)).toBe(type === 'fixed' ? 2 : 1);
  expect([b.readUInt32LE(0x154), b.readUInt32LE(0x158)]).toEqual([MiB, dataOffset]);
  // Legacy and LCHS geometry "not calculated", with 512-byte sectors.
  expect([...new Uint32Array(b.buffer.slice(b.byteOffset + 0x15c, b.byteOffset + 0x170))]).toEqual([0, 0, 0, 512, 0]);
  expect([...new Uint32Array(b.buffer.slice(b.byteOffset + 0x1c8, b.byteOffset + 0x1d8))]).toEqual([0, 0, 0, 512]);
  expect(Number(b.readBigUInt64LE(0x170))).toBe(size);
  expect([b.readUInt32LE(0x178), b.readUInt32LE(0x17c), b.readUInt32LE(0x180)]).toEqual([MiB, 0, blocks]);
  const [uuid, modify] = [b.subarray(0x188, 0x198), b.subarray(0x198, 0x1a8)];
  expect(uuid.equals(NIL) || modify.equals(NIL) || uuid.equals(modify)).toBe(false);
  expect(b.subarray(0x1a8, 0x1c8).every((x) => x === 0)).toBe(true);
  const allocated = b.readUInt32LE(0x184);
  expect(b.length).toBe(dataOffset + allocated * MiB);
  const map = Array.from({ length: blocks }, (_, i) => b.readUInt32LE(MiB + 4 * i));
  if (type === 'fixed') expect(map).toEqual(map.map((_, i) => i));
  else expect(map.filter((e) => e !== 0xffffffff).sort((x, y) => x - y)).toEqual([...Array(allocated).keys()]);
  return allocated;
}

async function expectQemuReads(vdi: string, raw: string, size: number): Promise<void> {
  expect(await run('qemu-img', ['check', '-f', 'vdi', vdi])).toContain('No errors were found');
  expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vdi', raw, vdi])).toContain('identical');
  const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vdi', vdi])) as {
    'virtual-size': number;
    'cluster-size': number;
  };
  expect(info).toMatchObject({ 'virtual-size': size, 'cluster-size': MiB });
}

describe.skipIf(!tools.qemuImg)('VDI written by Platter', () => {
  it.each(
    Object.entries(cases).flatMap(([name, c]) =>
      (['dynamic', 'fixed'] as const).map((t) => [`${t}, ${name}`, t, c] as const),
    ),
  )('%s: VirtualBox 7 layout, round trip, qemu-img check and compare', async (_name, type, c) => {
    const dir = await tempDir();
    const raw = join(dir, 'disk.img');
    await makeRaw(raw, c);
    const vdi = join(dir, 'disk.vdi');
    const result = await convertImage({ input: raw, output: vdi, type, verify: true });
    expect(result).toMatchObject({ format: 'vdi', diskType: type, blockSize: MiB, virtualSize: c.size });
    const allocated = await expectVirtualBoxHeader(vdi, c.size, type);
    // Zero blocks are never written into a dynamic VDI.
    expect(allocated).toBe(type === 'fixed' ? Math.ceil(c.size / MiB) : await blocksWithData(raw));
    expect((await checkImage(vdi)).problems).toEqual([]);
    await expectQemuReads(vdi, raw, c.size);
    const back = join(dir, 'back.img');
    await convertImage({ input: vdi, output: back });
    expect(await sha256File(back)).toBe(await sha256File(raw));
  });

  it('VDI -> VHDX -> VDI keeps every byte; qemu-img compares all three identical', async () => {
    const dir = await tempDir();
    const c = cases['96 MiB with data, zero runs and holes']!;
    const raw = join(dir, 'disk.img');
    await makeRaw(raw, c);
    const [first, vhdx, second] = ['first.vdi', 'mid.vhdx', 'second.vdi'].map((n) => join(dir, n)) as [
      string,
      string,
      string,
    ];
    await convertImage({ input: raw, output: first });
    await convertImage({ input: first, output: vhdx, blockSize: 2 * MiB, verify: true });
    await convertImage({ input: vhdx, output: second, verify: true });
    const want = await sha256File(raw);
    for (const p of [first, vhdx, second]) expect((await hashImage(p)).sha256).toBe(want);
    expect(await run('qemu-img', ['compare', '-f', 'vdi', '-F', 'vhdx', first, vhdx])).toContain('identical');
    expect(await run('qemu-img', ['compare', '-f', 'vhdx', '-F', 'vdi', vhdx, second])).toContain('identical');
    expect(await vdiDriver.identity(second)).not.toBe(await vdiDriver.identity(first));
  });

  it('a converted disk that is not whole sectors is padded with zeros; one under 1 MiB is refused', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'odd.img');
    await writeRaw(raw, 3 * MiB + 100, [[3 * MiB, 100]]);
    const vdi = join(dir, 'odd.vdi');
    expect((await convertImage({ input: raw, output: vdi })).virtualSize).toBe(3 * MiB + 512);
    const padded = Buffer.concat([await readFile(raw), Buffer.alloc(412)]);
    expect(await qemuContentHash(vdi, dir, 'vdi')).toBe((await hashImage(vdi)).sha256);
    expect((await hashImage(vdi)).sha256).toBe(
      (await import('node:crypto')).createHash('sha256').update(padded).digest('hex'),
    );
    const tiny = join(dir, 'tiny.img');
    await writeRaw(tiny, 64 * 1024, [[0, 512]]);
    const error = await convertImage({ input: tiny, output: join(dir, 'tiny.vdi') }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'BAD_SIZE')).toBe(true);
  });
});

describe.skipIf(!tools.qemuImg)('VDI written by qemu-img', () => {
  it.each([
    ['dynamic', []],
    ['static', ['-o', 'static=on']],
  ] as const)('%s, with zero runs and holes: reads as qemu-img reads it', async (kind, options) => {
    const dir = await tempDir();
    const c = cases['96 MiB with data, zero runs and holes']!;
    const raw = join(dir, 'disk.img');
    await makeRaw(raw, c);
    const vdi = join(dir, 'qemu.vdi');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', ...options, raw, vdi]);
    const qemuHash = await qemuContentHash(vdi, dir, 'vdi');
    expect(qemuHash).toBe(await sha256File(raw));
    expect((await hashImage(vdi)).sha256).toBe(qemuHash);
    expect((await checkImage(vdi)).problems).toEqual([]);
    const d = await vdiDriver.describe!(vdi);
    expect(d.diskType).toBe(kind === 'static' ? 'fixed' : 'dynamic');
    expect(d.virtualSize).toBe(c.size);
    const back = join(dir, 'back.img');
    await convertImage({ input: vdi, output: back, verify: true });
    expect(await sha256File(back)).toBe(qemuHash);
  });
});

describe.skipIf(!tools.qemuImg)('platter create of a VDI', () => {
  it.each([
    ['dynamic, 20 GiB', ['--size', '20G'], 20 * 1024 * MiB, 2 * MiB],
    ['fixed, 64 MiB', ['--size', '64M', '--type', 'fixed'], 64 * MiB, 2 * MiB + 64 * MiB],
    ['dynamic, 4 TiB (the largest Platter writes)', ['--size', '4T'], 4 * 1024 ** 4, 17 * MiB],
  ])('%s: qemu-img checks it and reads the size asked', async (_name, args, size, fileSize) => {
    const path = join(await tempDir(), 'new.vdi');
    const result = await cli('create', path, ...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'vdi', virtualSize: size });
    expect((await stat(path)).size).toBe(fileSize);
    expect(await run('qemu-img', ['check', '-f', 'vdi', path])).toContain('No errors were found');
    const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', 'vdi', path])) as {
      'virtual-size': number;
    };
    expect(info['virtual-size']).toBe(size);
  });

  it('refuses what a VDI cannot record, naming the option', async () => {
    const dir = await tempDir();
    const attempts: [string[], string][] = [
      [['--size', '64M', '--block-size', '2M'], '1 MiB blocks'],
      [['--size', '64M', '--logical-sector', '4096'], 'only a VHDX records sector sizes'],
      [['--size', '64M', '--type', 'fixed', '--preallocate'], '--preallocate applies to'],
      [['--size', '100K'], 'at least 1 MiB'],
      [['--size', '5T'], 'larger than the 4 TiB'],
    ];
    for (const [args, message] of attempts) {
      const result = await cli('create', join(dir, 'x.vdi'), ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(message);
    }
  });
});
