import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import {
  BITMAP_STATE,
  PAYLOAD_STATE,
  batGeometry,
  bitmapEntryIndex,
  createBat,
  parseBat,
  payloadEntryIndex,
  readBatEntry,
  serializeBat,
  writeBatEntry,
} from '../../../electron/engine/formats/vhdx/bat';
import type { BatGeometry } from '../../../electron/engine/formats/vhdx/bat';
import { bitRuns, isBitSet, setBits } from '../../../electron/engine/formats/vhdx/sector-bitmap';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPlatterError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('VHDX BAT geometry', () => {
  it('computes the chunk ratio from the sector and block sizes', () => {
    const ratio = (logicalSectorSize: number, blockSize: number) =>
      batGeometry({ blockSize, logicalSectorSize, virtualSize: GIB, hasParent: false }).chunkRatio;
    expect(ratio(512, 32 * MIB)).toBe(128);
    expect(ratio(512, MIB)).toBe(4096);
    expect(ratio(4096, MIB)).toBe(32768);
    expect(ratio(512, 256 * MIB)).toBe(16);
  });

  it('counts entries as the specification does for dynamic and differencing disks', () => {
    // 10 GiB in 32 MiB blocks: 320 payload blocks, chunk ratio 128, 3 chunks.
    const dynamic = batGeometry({
      blockSize: 32 * MIB,
      logicalSectorSize: 512,
      virtualSize: 10 * GIB,
      hasParent: false,
    });
    expect(dynamic).toMatchObject({ payloadBlocks: 320, bitmapBlocks: 3, totalEntries: 320 + 2 });
    const differencing = batGeometry({ ...dynamic, hasParent: true });
    expect(differencing.totalEntries).toBe(3 * 129);
    const exact = batGeometry({ blockSize: 32 * MIB, logicalSectorSize: 512, virtualSize: 4 * GIB, hasParent: false });
    expect(exact).toMatchObject({ payloadBlocks: 128, totalEntries: 128 });
    const empty = batGeometry({ blockSize: MIB, logicalSectorSize: 512, virtualSize: 0, hasParent: false });
    expect(empty.totalEntries).toBe(0);
  });

  it('interleaves a sector bitmap entry after every chunk', () => {
    const g = batGeometry({ blockSize: 32 * MIB, logicalSectorSize: 512, virtualSize: 10 * GIB, hasParent: true });
    expect(payloadEntryIndex(g, 0)).toBe(0);
    expect(payloadEntryIndex(g, 127)).toBe(127);
    expect(bitmapEntryIndex(g, 0)).toBe(128);
    expect(payloadEntryIndex(g, 128)).toBe(129);
    expect(bitmapEntryIndex(g, 2)).toBe(386);
  });
});

describe('VHDX BAT entries', () => {
  it('keep the state in bits 0-2 and the offset in MiB in bits 20-63', () => {
    const bytes = new Uint8Array(8);
    const dv = new DataView(bytes.buffer);
    writeBatEntry(dv, 0, { state: 6, fileOffsetMiB: 3 });
    expect(dv.getBigUint64(0, true)).toBe((3n << 20n) | 6n);
    const big = { state: 7, fileOffsetMiB: 2 ** 44 - 1 };
    writeBatEntry(dv, 0, big);
    expect(dv.getBigUint64(0, true)).toBe(((2n ** 44n - 1n) << 20n) | 7n);
    expect(readBatEntry(dv, 0)).toEqual(big);
  });
});

function geometry(hasParent: boolean): BatGeometry {
  // 5 MiB in 1 MiB blocks with 4096-byte sectors: chunk ratio 32768, one chunk.
  return batGeometry({ blockSize: MIB, logicalSectorSize: 4096, virtualSize: 5 * MIB, hasParent });
}

function table(g: BatGeometry, edit: (bat: ReturnType<typeof createBat>) => void): Uint8Array {
  const bat = createBat(g);
  edit(bat);
  return serializeBat(bat, g);
}

describe('parsing the VHDX BAT', () => {
  const fileSize = 16 * MIB;

  it('round-trips payload and sector bitmap entries', () => {
    const g = geometry(true);
    const bytes = table(g, (bat) => {
      bat.payloadState.set([PAYLOAD_STATE.fullyPresent, PAYLOAD_STATE.partiallyPresent, PAYLOAD_STATE.zero]);
      bat.payloadOffsetMiB.set([4, 5, 0]);
      bat.bitmapState[0] = BITMAP_STATE.present;
      bat.bitmapOffsetMiB[0] = 9;
    });
    expect(bytes.length).toBe(g.totalEntries * 8);
    const bat = parseBat(bytes, g, fileSize);
    expect([...bat.payloadState]).toEqual([6, 7, 2, 0, 0]);
    expect([...bat.payloadOffsetMiB]).toEqual([4, 5, 0, 0, 0]);
    expect([...bat.bitmapState]).toEqual([6]);
    expect(Buffer.from(serializeBat(bat, g)).equals(bytes)).toBe(true);
  });

  it('refuses reserved states and partially present blocks outside differencing disks', () => {
    const g = geometry(false);
    expect(
      code(() =>
        parseBat(
          table(g, (b) => (b.payloadState[1] = 4)),
          g,
          fileSize,
        ),
      ),
    ).toBe('VHDX_BAT_OUT_OF_RANGE');
    const partial = table(g, (b) => {
      b.payloadState[0] = PAYLOAD_STATE.partiallyPresent;
      b.payloadOffsetMiB[0] = 4;
    });
    expect(() => parseBat(partial, g, fileSize)).toThrow(/only a differencing disk/);
  });

  it('refuses blocks inside the header section or past the end of the file', () => {
    const g = geometry(false);
    const at = (offsetMiB: number, block = 0) =>
      table(g, (b) => {
        b.payloadState[block] = PAYLOAD_STATE.fullyPresent;
        b.payloadOffsetMiB[block] = offsetMiB;
      });
    expect(() => parseBat(at(0), g, fileSize)).toThrow(/header section/);
    expect(() => parseBat(at(16), g, fileSize)).toThrow(/past the end/);
    expect(parseBat(at(15), g, fileSize).payloadOffsetMiB[0]).toBe(15);
    const huge = new Uint8Array(g.totalEntries * 8);
    new DataView(huge.buffer).setBigUint64(0, ((2n ** 43n) << 20n) | 6n, true);
    expect(() => parseBat(huge, g, fileSize)).toThrow(/past the end/);
  });

  it('ignores states of blocks that are not read from the file', () => {
    const g = geometry(false);
    const bytes = table(g, (b) => {
      b.payloadState.set([PAYLOAD_STATE.undefined, PAYLOAD_STATE.unmapped, PAYLOAD_STATE.zero]);
      b.payloadOffsetMiB.set([999, 999, 999]);
    });
    expect([...parseBat(bytes, g, fileSize).payloadState]).toEqual([1, 3, 2, 0, 0]);
  });

  it('checks the sector bitmaps of a differencing disk', () => {
    const g = geometry(true);
    const missing = table(g, (b) => {
      b.payloadState[0] = PAYLOAD_STATE.partiallyPresent;
      b.payloadOffsetMiB[0] = 4;
    });
    expect(() => parseBat(missing, g, fileSize)).toThrow(/sector bitmap is missing/);
    const invalid = table(g, (b) => (b.bitmapState[0] = 3));
    expect(() => parseBat(invalid, g, fileSize)).toThrow(/invalid state/);
    const outside = table(g, (b) => {
      b.bitmapState[0] = BITMAP_STATE.present;
      b.bitmapOffsetMiB[0] = 16;
    });
    expect(() => parseBat(outside, g, fileSize)).toThrow(/sector bitmap 0.*past the end/);
  });

  it('refuses a table shorter than the disk needs', () => {
    const g = geometry(false);
    expect(() => parseBat(new Uint8Array(8), g, fileSize)).toThrow(/needs 5/);
  });
});

describe('VHDX sector bitmaps', () => {
  it('number sectors from the least significant bit of byte 0', () => {
    const bitmap = new Uint8Array(4);
    setBits(bitmap, 0, 1);
    setBits(bitmap, 9, 3);
    expect([...bitmap]).toEqual([0x01, 0x0e, 0, 0]);
    expect(isBitSet(bitmap, 0)).toBe(true);
    expect(isBitSet(bitmap, 7)).toBe(false);
    expect(bitRuns(bitmap, 0, 32)).toEqual([
      { first: 0, count: 1, set: true },
      { first: 1, count: 8, set: false },
      { first: 9, count: 3, set: true },
      { first: 12, count: 20, set: false },
    ]);
    expect(bitRuns(bitmap, 10, 4)).toEqual([
      { first: 10, count: 2, set: true },
      { first: 12, count: 2, set: false },
    ]);
  });
});
