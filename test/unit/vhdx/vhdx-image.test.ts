// Opening synthetic VHDX images built with the engine's serializers: every block state, the error cases, and
// differencing chains.
import { createHash } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { PAYLOAD_STATE, batGeometry, createBat, serializeBat } from '../../../electron/engine/formats/vhdx/bat';
import { serializeHeaderSection } from '../../../electron/engine/formats/vhdx/header-section';
import { NIL_GUID, randomGuid } from '../../../electron/engine/formats/vhdx/guid';
import * as items from '../../../electron/engine/formats/vhdx/metadata-items';
import { serializeMetadataRegion } from '../../../electron/engine/formats/vhdx/metadata-table';
import { serializeParentLocator } from '../../../electron/engine/formats/vhdx/parent-locator';
import { REGION_GUID } from '../../../electron/engine/formats/vhdx/region-table';
import { setBits } from '../../../electron/engine/formats/vhdx/sector-bitmap';
import { openImage } from '../../../electron/engine/image/open-image';
import { VhdxImage } from '../../../electron/engine/formats/vhdx/vhdx-image';
import { hashImage } from '../../../electron/engine/ops/hash';
import { useTempDirs } from '../../helpers/temp-dir';

const MIB = 1024 * 1024;
const { fullyPresent: FULL, partiallyPresent: PARTIAL, zero: ZERO, unmapped: UNMAPPED } = PAYLOAD_STATE;

interface BlockSpec {
  readonly state: number;
  readonly fill?: number;
  /** For partially present blocks: [first sector, count] runs held in this file. */
  readonly sectors?: readonly [number, number][];
}

interface Spec {
  readonly size: number;
  readonly blockSize?: number;
  readonly sector?: 512 | 4096;
  readonly dataWriteGuid?: string;
  readonly logGuid?: string;
  readonly parent?: Record<string, string>;
  readonly blocks?: Record<number, BlockSpec>;
}

/** Lays a VHDX out as Hyper-V does: header section, log at 1 MiB, metadata at 2 MiB, BAT at 3 MiB, blocks after. */
function buildVhdx(spec: Spec): Uint8Array {
  const blockSize = spec.blockSize ?? MIB;
  const sector = spec.sector ?? 512;
  const g = batGeometry({ blockSize, logicalSectorSize: sector, virtualSize: spec.size, hasParent: !!spec.parent });
  const bat = createBat(g);
  const pieces: [number, Uint8Array][] = [];
  const bitmaps = new Map<number, Uint8Array>();
  let next = 4 * MIB;
  for (const [key, block] of Object.entries(spec.blocks ?? {})) {
    const index = Number(key);
    bat.payloadState[index] = block.state;
    if (block.state === FULL || block.state === PARTIAL) {
      bat.payloadOffsetMiB[index] = next / MIB;
      const used = Math.min(blockSize, spec.size - index * blockSize);
      pieces.push([next, new Uint8Array(used).fill(block.fill ?? 0)]);
      next += blockSize;
    }
    const chunk = Math.floor(index / g.chunkRatio);
    for (const [first, count] of block.sectors ?? []) {
      if (!bitmaps.has(chunk)) bitmaps.set(chunk, new Uint8Array(MIB));
      setBits(bitmaps.get(chunk)!, (index % g.chunkRatio) * (blockSize / sector) + first, count);
    }
  }
  for (const [chunk, bitmap] of bitmaps) {
    bat.bitmapState[chunk] = 6;
    bat.bitmapOffsetMiB[chunk] = next / MIB;
    pieces.push([next, bitmap]);
    next += MIB;
  }
  const metadata = serializeMetadataRegion([
    {
      itemId: items.METADATA_GUID.fileParameters,
      data: items.serializeFileParameters({ blockSize, leaveBlocksAllocated: false, hasParent: !!spec.parent }),
    },
    {
      itemId: items.METADATA_GUID.virtualDiskSize,
      data: items.serializeVirtualDiskSize(spec.size),
      isVirtualDisk: true,
    },
    { itemId: items.METADATA_GUID.page83Data, data: items.serializePage83Data(randomGuid()), isVirtualDisk: true },
    { itemId: items.METADATA_GUID.logicalSectorSize, data: items.serializeSectorSize(sector), isVirtualDisk: true },
    { itemId: items.METADATA_GUID.physicalSectorSize, data: items.serializeSectorSize(4096), isVirtualDisk: true },
    ...(spec.parent ? [{ itemId: items.METADATA_GUID.parentLocator, data: serializeParentLocator(spec.parent) }] : []),
  ]);
  const header = {
    sequenceNumber: 1n,
    fileWriteGuid: randomGuid(),
    dataWriteGuid: spec.dataWriteGuid ?? randomGuid(),
    logGuid: spec.logGuid ?? NIL_GUID,
    logVersion: 0,
    version: 1,
    logLength: MIB,
    logOffset: MIB,
  };
  const regions = [
    { guid: REGION_GUID.bat, fileOffset: 3 * MIB, length: MIB, required: true },
    { guid: REGION_GUID.metadata, fileOffset: 2 * MIB, length: MIB, required: true },
  ];
  const file = new Uint8Array(next);
  file.set(serializeHeaderSection({ creator: 'Platter tests' }, header, { entries: regions }), 0);
  file.set(metadata, 2 * MIB);
  file.set(serializeBat(bat, g), 3 * MIB);
  for (const [offset, bytes] of pieces) file.set(bytes, offset);
  return file;
}

const tempDir = useTempDirs();

async function write(dir: string, name: string, spec: Spec): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, buildVhdx(spec));
  return path;
}

async function patch(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  await handle.write(bytes, 0, bytes.length, offset);
  await handle.close();
}

async function readAll(path: string): Promise<{ bytes: Uint8Array; image: VhdxImage }> {
  const image = await openImage(path);
  expect(image).toBeInstanceOf(VhdxImage);
  const bytes = new Uint8Array(image.virtualSize);
  await image.read(bytes, 0);
  return { bytes, image: image as VhdxImage };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; remedy?: string }> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isPlatterError(err)) throw new Error(`expected a PlatterError, got ${String(err)}`);
  return { code: err.code, message: err.message, ...(err.remedy ? { remedy: err.remedy } : {}) };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('dynamic and fixed VHDX', () => {
  const size = 5 * MIB + 1536; // the last block is only partly inside the disk
  const blocks = {
    0: { state: FULL, fill: 0x11 },
    1: { state: ZERO },
    2: { state: UNMAPPED },
    5: { state: FULL, fill: 0x55 },
  };

  it('reads present blocks from the file and every other state as zeros', async () => {
    const path = await write(await tempDir(), 'dynamic.vhdx', { size, blocks });
    const { bytes, image } = await readAll(path);
    const expected = new Uint8Array(size);
    expected.fill(0x11, 0, MIB);
    expected.fill(0x55, 5 * MIB);
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    expect(await image.extents()).toEqual([
      { offset: 0, length: MIB, kind: 'data' },
      { offset: MIB, length: 4 * MIB, kind: 'zero' },
      { offset: 5 * MIB, length: 1536, kind: 'data' },
    ]);
    expect(image.blockStates()).toEqual(['allocated', 'zero', 'zero', 'zero', 'zero', 'allocated']);
    // Reads across block boundaries at odd offsets.
    const part = new Uint8Array(3000);
    await image.read(part, MIB - 1000);
    expect(part.subarray(0, 1000).every((b) => b === 0x11) && part.subarray(1000).every((b) => b === 0)).toBe(true);
    await image.close();
    expect(await hashImage(path)).toMatchObject({ sha256: sha256(expected), virtualSize: size });
  });

  it('reads 4096-byte-sector disks and fixed layouts', async () => {
    const all = { 0: { state: FULL, fill: 1 }, 1: { state: FULL, fill: 2 }, 2: { state: FULL, fill: 3 } };
    const path = await write(await tempDir(), 'fixed.vhdx', { size: 3 * MIB, sector: 4096, blocks: all });
    const { bytes, image } = await readAll(path);
    expect([bytes[0], bytes[MIB], bytes[3 * MIB - 1]]).toEqual([1, 2, 3]);
    expect(image.logicalSectorSize).toBe(4096);
    expect(await image.extents()).toEqual([{ offset: 0, length: 3 * MIB, kind: 'data' }]);
    await image.close();
  });

  it('reads a file whose header names a log that holds no valid entries: nothing to replay', async () => {
    const path = await write(await tempDir(), 'dirty.vhdx', { size: MIB, logGuid: randomGuid() });
    const { image } = await readAll(path);
    expect(image.structure.replay?.writes).toEqual([]);
    expect(image.structure.warnings).toContainEqual(expect.stringContaining('nothing to replay'));
    await image.close();
  });

  it('falls back to the other header copy, and fails when both are damaged', async () => {
    const path = await write(await tempDir(), 'header.vhdx', { size: MIB, blocks: { 0: { state: FULL, fill: 7 } } });
    await patch(path, 64 * 1024 + 100, Uint8Array.of(0xff));
    const { bytes, image } = await readAll(path);
    expect(bytes[0]).toBe(7);
    expect(image.structure.headerCopy).toBe(1);
    expect(image.structure.warnings[0]).toMatch(/64 KiB is damaged/);
    await image.close();
    await patch(path, 128 * 1024 + 100, Uint8Array.of(0xff));
    const error = await failure(openImage(path));
    expect(error).toMatchObject({ code: 'VHDX_BAD_HEADER', message: expect.stringContaining(path) });
  });

  it('refuses a BAT entry past the end of the file and a truncated file', async () => {
    const dir = await tempDir();
    const path = await write(dir, 'bat.vhdx', { size: 2 * MIB, blocks: { 1: { state: FULL } } });
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigUint64(0, (100n << 20n) | 6n, true);
    await patch(path, 3 * MIB, entry);
    expect(await failure(openImage(path))).toMatchObject({
      code: 'VHDX_BAT_OUT_OF_RANGE',
      message: expect.stringContaining('block 0'),
    });
    const cut = join(dir, 'cut.vhdx');
    await writeFile(cut, buildVhdx({ size: 2 * MIB, blocks: { 1: { state: FULL } } }).subarray(0, 4 * MIB + 4096));
    expect((await failure(openImage(cut))).code).toBe('VHDX_BAT_OUT_OF_RANGE');
  });

  it('refuses metadata items outside the metadata region and partially present blocks', async () => {
    const dir = await tempDir();
    const path = await write(dir, 'metadata.vhdx', { size: MIB });
    const offset = new Uint8Array(4);
    new DataView(offset.buffer).setUint32(0, MIB - 4, true); // first item entry's offset
    await patch(path, 2 * MIB + 32 + 16, offset);
    expect((await failure(openImage(path))).code).toBe('VHDX_BAD_METADATA');
    const partial = await write(dir, 'partial.vhdx', { size: MIB, blocks: { 0: { state: PARTIAL } } });
    expect((await failure(openImage(partial))).code).toBe('VHDX_BAT_OUT_OF_RANGE');
  });
});

describe('differencing VHDX', () => {
  const parentGuid = '83ed0ec3-24c8-49a6-a959-5e4bf1288bfb';
  const parentSpec: Spec = {
    size: 4 * MIB,
    dataWriteGuid: parentGuid,
    blocks: {
      0: { state: FULL, fill: 0xa0 },
      1: { state: FULL, fill: 0xa1 },
      2: { state: FULL, fill: 0xa2 },
      3: { state: FULL, fill: 0xa3 },
    },
  };
  const locator = (relative: string) => ({
    parent_linkage: `{${parentGuid}}`,
    relative_path: relative,
    absolute_win32_path: '\\\\?\\C:\\VMs\\nowhere\\parent.vhdx',
  });
  const childSpec = (relative = '.\\parent.vhdx'): Spec => ({
    size: 5 * MIB, // larger than its parent: past the parent's end reads as zeros
    parent: locator(relative),
    blocks: {
      1: { state: FULL, fill: 0x11 },
      2: {
        state: PARTIAL,
        fill: 0x22,
        sectors: [
          [0, 8],
          [100, 50],
        ],
      },
      3: { state: ZERO },
    },
  });
  const expected = (() => {
    const bytes = new Uint8Array(5 * MIB);
    bytes.fill(0xa0, 0, MIB); // not present: the parent's
    bytes.fill(0x11, MIB, 2 * MIB);
    bytes.fill(0xa2, 2 * MIB, 3 * MIB);
    bytes.fill(0x22, 2 * MIB, 2 * MIB + 8 * 512);
    bytes.fill(0x22, 2 * MIB + 100 * 512, 2 * MIB + 150 * 512);
    return bytes; // block 3 is ZERO over a non-zero parent, block 4 lies past the parent
  })();

  it('reads through the parent sector by sector', async () => {
    const dir = await tempDir();
    await write(dir, 'parent.vhdx', parentSpec);
    const path = await write(dir, 'child.vhdx', childSpec());
    const { bytes, image } = await readAll(path);
    expect(Buffer.from(bytes).equals(expected)).toBe(true);
    expect(image.parent).toBeInstanceOf(VhdxImage);
    expect(image.blockStates()).toEqual(['parent', 'allocated', 'partial', 'zero', 'parent']);
    expect(await image.extents()).toEqual([
      { offset: 0, length: 3 * MIB, kind: 'data' },
      { offset: 3 * MIB, length: 2 * MIB, kind: 'zero' },
    ]);
    const part = new Uint8Array(1024);
    await image.read(part, 2 * MIB + 7 * 512 + 100); // straddles the child's and the parent's sectors
    expect([part[0], part[411], part[412], part[1023]]).toEqual([0x22, 0x22, 0xa2, 0xa2]);
    await image.close();
    expect((await hashImage(path)).sha256).toBe(sha256(expected));
  });

  it('finds the parent by its relative path, then by its name beside the child', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'base'));
    await mkdir(join(dir, 'kids'));
    await write(join(dir, 'base'), 'parent.vhdx', parentSpec);
    const child = await write(join(dir, 'kids'), 'child.vhdx', childSpec('..\\base\\parent.vhdx'));
    expect((await hashImage(child)).sha256).toBe(sha256(expected));
    await write(dir, 'parent.vhdx', parentSpec);
    const moved = await write(dir, 'moved.vhdx', childSpec('..\\gone\\parent.vhdx'));
    expect((await hashImage(moved)).sha256).toBe(sha256(expected));
  });

  it('names a missing parent and where it looked', async () => {
    const dir = await tempDir();
    const path = await write(dir, 'child.vhdx', childSpec('..\\base\\parent.vhdx'));
    const error = await failure(openImage(path));
    expect(error.code).toBe('VHD_PARENT_NOT_FOUND');
    expect(error.message).toContain('..\\base\\parent.vhdx');
    expect(error.message).toContain(`looked in ${join(dir, '..', 'base', 'parent.vhdx').replace(/\\/g, '/')}`);
    expect(error.message).toContain(join(dir, 'parent.vhdx'));
  });

  it('refuses a parent whose DataWriteGuid is not the recorded linkage', async () => {
    const dir = await tempDir();
    await write(dir, 'parent.vhdx', { ...parentSpec, dataWriteGuid: randomGuid() });
    const path = await write(dir, 'child.vhdx', childSpec());
    const error = await failure(openImage(path));
    expect(error.code).toBe('VHD_PARENT_MISMATCH');
    expect(error.message).toContain(parentGuid);
  });

  it('refuses a parent with another sector size and a child that is its own parent', async () => {
    const dir = await tempDir();
    await write(dir, 'parent.vhdx', { ...parentSpec, sector: 4096 });
    expect((await failure(openImage(await write(dir, 'child.vhdx', childSpec())))).code).toBe('VHD_PARENT_MISMATCH');
    const self = await write(dir, 'self.vhdx', { ...childSpec('.\\self.vhdx'), dataWriteGuid: parentGuid });
    expect((await failure(openImage(self))).code).toBe('VHD_PARENT_CYCLE');
  });

  it('follows a chain of differencing disks', async () => {
    const dir = await tempDir();
    await write(dir, 'parent.vhdx', parentSpec);
    const middleGuid = randomGuid();
    await write(dir, 'middle.vhdx', { ...childSpec(), dataWriteGuid: middleGuid });
    const leaf = await write(dir, 'leaf.vhdx', {
      size: 5 * MIB,
      parent: { parent_linkage: `{${middleGuid}}`, relative_path: '.\\middle.vhdx' },
      blocks: { 0: { state: PARTIAL, fill: 0x77, sectors: [[0, 1]] } },
    });
    const want = expected.slice();
    want.fill(0x77, 0, 512);
    expect((await hashImage(leaf)).sha256).toBe(sha256(want));
  });
});
