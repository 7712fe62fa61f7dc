// Every conversion pair among the formats Platter writes (raw, VHD, VHDX, VMDK in both subformats, qcow2, VDI)
// round-trips a 96 MiB disk with data, runs of written zeros and holes byte for byte: Platter reads each output as
// the source, and qemu-img compares it identical to the raw original.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertImage } from '../../electron/engine/ops/convert';
import { openImage } from '../../electron/engine/image/open-image';
import { hashDisk } from '../../electron/engine/ops/hash';
import { seededBytes, sha256File } from '../helpers/data';
import { run, tools } from '../helpers/tools';

const MiB = 1024 * 1024;
const SIZE = 96 * MiB;

/** A written format: its file name ending, what convert is told, and how qemu-img names it. */
const FORMATS = [
  { name: 'raw', ext: 'img', qemu: 'raw' },
  { name: 'VHD', ext: 'vhd', qemu: 'vpc' },
  { name: 'VHDX', ext: 'vhdx', qemu: 'vhdx' },
  { name: 'VMDK monolithicSparse', ext: 'vmdk', qemu: 'vmdk', subformat: 'monolithic-sparse' },
  { name: 'VMDK streamOptimized', ext: 'vmdk', qemu: 'vmdk', subformat: 'stream-optimized' },
  { name: 'qcow2', ext: 'qcow2', qemu: 'qcow2' },
  { name: 'VDI', ext: 'vdi', qemu: 'vdi' },
] as const;
type Format = (typeof FORMATS)[number];

let dir = '';
let raw = '';
let content = '';
/** The disk in each format, converted from the raw original. */
const sources = new Map<Format, string>();

function fileName(f: Format, stem: string): string {
  return `${stem}-${f.name.replace(/\s+/g, '-')}.${f.ext}`;
}

/** Platter's content hash of any image, raw included. */
async function contentOf(path: string): Promise<string> {
  const image = await openImage(path, { allowRaw: true });
  try {
    return await hashDisk(image);
  } finally {
    await image.close();
  }
}

function convert(input: string, output: string, f: Format) {
  return convertImage({ input, output, ...('subformat' in f && { subformat: f.subformat }) });
}

describe.skipIf(!tools.qemuImg)('every conversion pair', () => {
  // One folder for the whole table: the sources are made once and read by every pair.
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'platter-matrix-'));
    raw = join(dir, 'original.img');
    const file = await open(raw, 'w');
    try {
      await file.truncate(SIZE); // holes everywhere but where written below
      // Data, a run of written zeros between data, data inside a block that is otherwise a hole, the last sector.
      await file.write(seededBytes('head', 3 * MiB + 4096), 0, 3 * MiB + 4096, 0);
      await file.write(Buffer.alloc(5 * MiB), 0, 5 * MiB, 10 * MiB);
      await file.write(seededBytes('middle', 200 * 1024), 0, 200 * 1024, 40 * MiB + 12_288);
      await file.write(seededBytes('tail', 512), 0, 512, SIZE - 512);
    } finally {
      await file.close();
    }
    content = await sha256File(raw);
    for (const f of FORMATS) {
      const path = join(dir, fileName(f, 'source'));
      await convert(raw, path, f);
      sources.set(f, path);
    }
  }, 600_000);

  const pairs = FORMATS.flatMap((from) => FORMATS.map((to) => [`${from.name} -> ${to.name}`, from, to] as const));
  it.each(pairs)(
    '%s',
    async (_name, from, to) => {
      const output = join(dir, fileName(to, `from-${from.name.replace(/\s+/g, '-')}`));
      await convert(sources.get(from)!, output, to);
      expect(await contentOf(output)).toBe(content);
      expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', to.qemu, raw, output])).toContain('identical');
      await rm(output);
    },
    120_000,
  );
});
