// VMDKs Platter writes: monolithicSparse and streamOptimized, each adapter, checked by qemu-img (check, compare,
// info) and read identical by libvmdk (pyvmdk and vmdkinfo); the descriptor as VMware tools expect it; options
// that do not apply refused by name.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { parseDescriptor } from '../../electron/engine/formats/vmdk/descriptor';
import { GD_AT_END, parseKdmvHeader } from '../../electron/engine/formats/vmdk/sparse-header';
import { convertImage } from '../../electron/engine/ops/convert';
import { createImage } from '../../electron/engine/ops/create';
import { hashImage } from '../../electron/engine/ops/hash';
import { cli } from '../helpers/cli';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { pyvmdkHash, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
/** Past one grain table's 32 MiB span, not a whole grain: data, zero runs and holes at their edges. */
const SIZE = 70 * MiB + 3 * 512;
const PIECES: [number, number][] = [
  [0, 300 * 1024],
  [64 * 1024 - 4096, 8192],
  [32 * MiB - 10000, 20000],
  [SIZE - 1536, 1536],
];

const cases = [
  ['monolithic-sparse', 'monolithicSparse', 'lsilogic', 255],
  ['stream-optimized', 'streamOptimized', 'lsilogic', 255],
  ['monolithic-sparse', 'monolithicSparse', 'ide', 16],
  ['stream-optimized', 'streamOptimized', 'pvscsi', 255],
] as const;

async function expectPeersRead(vmdk: string, raw: string): Promise<void> {
  expect(await run('qemu-img', ['check', '-f', 'vmdk', vmdk])).toContain('No errors were found');
  expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, vmdk])).toContain('identical');
  const truth = await sha256File(raw);
  if (tools.pyvmdk) expect(await pyvmdkHash(vmdk)).toEqual({ size: SIZE, sha256: truth });
  expect((await hashImage(vmdk)).sha256).toBe(truth);
}

describe.skipIf(!tools.qemuImg)('VMDK written by Platter', () => {
  it.each(cases)(
    '%s (%s), %s adapter: qemu-img and libvmdk read it as its source',
    async (sub, createType, adapter, heads) => {
      const dir = await tempDir();
      const raw = join(dir, 'source.raw');
      await writeRaw(raw, SIZE, PIECES);
      const vmdk = join(dir, 'disk.vmdk');
      const result = await convertImage({ input: raw, output: vmdk, subformat: sub, adapter });
      expect(result).toMatchObject({ format: 'vmdk', virtualSize: SIZE, diskType: 'dynamic' });
      await expectPeersRead(vmdk, raw);
      const bytes = await readFile(vmdk);
      const header = parseKdmvHeader(bytes, vmdk);
      const d = parseDescriptor(
        bytes.toString(
          'utf8',
          header.descriptorOffset * 512,
          (header.descriptorOffset + header.descriptorSectors) * 512,
        ),
        vmdk,
      );
      expect(d).toMatchObject({ createType, parentCid: 'ffffffff', version: 1 });
      expect(d.cid).toMatch(/^[0-9a-f]{8}$/);
      expect(d.extents).toEqual([
        { access: 'RW', sectors: SIZE / 512, type: 'SPARSE', fileName: 'disk.vmdk', offset: 0 },
      ]);
      expect(d.ddb).toMatchObject({ adapterType: adapter, 'geometry.heads': String(heads), 'geometry.sectors': '63' });
      expect(d.ddb.longContentID!.endsWith(d.cid!)).toBe(true);
      if (sub === 'stream-optimized') {
        // The one-pass layout: the header says GD_AT_END, the footer before the end-of-stream marker holds it.
        expect(bytes.readBigUInt64LE(56)).toBe(GD_AT_END);
        expect(parseKdmvHeader(bytes.subarray(bytes.length - 1024), 'footer').gdOffset).toBeGreaterThan(0);
        expect(bytes.subarray(bytes.length - 512).every((b) => b === 0)).toBe(true);
        expect(bytes.length).toBeLessThan(2 * MiB);
      }
      if (tools.vmdkinfo) {
        const info = await run('vmdkinfo', [vmdk]);
        expect(info).toContain(`(${SIZE} bytes)`);
        expect(info).toContain(`0x${d.cid}`);
      }
    },
  );

  it('each written subformat converts back to raw byte for byte, and to each other', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, SIZE, PIECES, 'again');
    await convertImage({ input: raw, output: join(dir, 'a.vmdk'), subformat: 'stream-optimized' });
    await convertImage({ input: join(dir, 'a.vmdk'), output: join(dir, 'b.vmdk'), subformat: 'monolithicSparse' });
    await convertImage({ input: join(dir, 'b.vmdk'), output: join(dir, 'back.raw') });
    expect(await sha256File(join(dir, 'back.raw'))).toBe(await sha256File(raw));
    await expectPeersRead(join(dir, 'b.vmdk'), raw);
  });

  it('create makes an empty VMDK every peer reads as zeros; a fresh CID each time', async () => {
    const dir = await tempDir();
    const cids = new Set<string>();
    for (const sub of ['monolithic-sparse', 'stream-optimized']) {
      const path = join(dir, `${sub}.vmdk`);
      const { code, stderr } = await cli('create', path, '--size', '100M', '--subformat', sub);
      expect(code, stderr).toBe(0);
      expect(await run('qemu-img', ['check', '-f', 'vmdk', path])).toContain('No errors');
      const zeros = join(dir, 'zeros.raw');
      await writeRaw(zeros, 100 * MiB, []);
      expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', zeros, path])).toContain('identical');
      if (tools.pyvmdk) expect((await pyvmdkHash(path)).sha256).toBe(await sha256File(zeros));
      cids.add(
        JSON.parse(
          (await cli('create', join(dir, `${sub}-2.vmdk`), '--size', '1M', '--json', '--subformat', sub)).stdout,
        ).uuid,
      );
      cids.add(JSON.parse((await cli('info', '--json', path)).stdout).cid);
    }
    expect(cids.size).toBe(4);
  });

  it('refuses options that do not apply, naming the format they apply to', async () => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, MiB, [[0, 4096]]);
    const refused = async (options: Parameters<typeof convertImage>[0]) => {
      const error = await convertImage(options).catch((e: unknown) => e);
      expect(isPlatterError(error, 'BAD_ARGUMENT'), String(error)).toBe(true);
      return (error as Error).message;
    };
    expect(await refused({ input: raw, output: join(dir, 'x.vhdx'), subformat: 'stream-optimized' })).toContain('VMDK');
    expect(await refused({ input: raw, output: join(dir, 'x.vhd'), adapter: 'ide' })).toContain('VMDK');
    expect(await refused({ input: raw, output: join(dir, 'x.vmdk'), type: 'fixed' })).toContain('VMDK');
    expect(await refused({ input: raw, output: join(dir, 'x.vmdk'), logicalSectorSize: 4096 })).toContain('VHDX');
    expect(await refused({ input: raw, output: join(dir, 'x.vmdk'), subformat: 'seSparse' })).toContain('subformat');
    expect(await refused({ input: raw, output: join(dir, 'x.vmdk'), adapter: 'scsi' })).toContain('adapter');
    const created = await createImage({ path: join(dir, 'odd.vmdk'), size: 1000 }).catch((e: unknown) => e);
    expect(isPlatterError(created, 'BAD_SIZE')).toBe(true);
  });
});
