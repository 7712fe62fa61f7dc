// The CHS geometry algorithm of the VHD specification, against values real producers wrote.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFooter } from '../../../electron/engine/formats/vhd/footer';
import {
  MAX_GEOMETRY,
  geometryBytes,
  geometryForSectors,
  geometrySectors,
  isMaxGeometry,
} from '../../../electron/engine/formats/vhd/geometry';
import type { Geometry } from '../../../electron/engine/formats/vhd/geometry';
import { fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const chs = (cylinders: number, heads: number, sectorsPerTrack: number): Geometry => ({
  cylinders,
  heads,
  sectorsPerTrack,
});
const forBytes = (bytes: number) => geometryForSectors(bytes / 512);
const MAX_SECTORS = 65535 * 16 * 255;

describe('geometryForSectors', () => {
  it.each([
    ['10 MiB (the Hyper-V fixtures)', 10 * MiB, chs(301, 4, 17)],
    ['4 MiB (the VirtualBox fixture)', 4 * MiB, chs(120, 4, 17)],
    ['6 MiB (the mkimg dynamic and OCaml fixtures)', 6 * MiB, chs(180, 4, 17)],
    ['16 MiB', 16 * MiB, chs(481, 4, 17)],
    ['128 MiB', 128 * MiB, chs(963, 16, 17)],
    ['200 MiB (31 sectors per track)', 200 * MiB, chs(825, 16, 31)],
    ['1 GiB (qemu-img’s well-known 2080/16/63)', GiB, chs(2080, 16, 63)],
    ['127 GiB (255 sectors per track, below the maximum)', 127 * GiB, chs(65278, 16, 255)],
    ['128 GiB (past the maximum)', 128 * GiB, MAX_GEOMETRY],
    ['2040 GiB', 2040 * GiB, MAX_GEOMETRY],
  ])('%s', (_name, bytes, expected) => {
    expect(forBytes(bytes)).toEqual(expected);
  });

  it('switches to 31 sectors per track when 17 would need 4096 cylinder-heads with 4 heads', () => {
    // 4096 * 17 sectors: (n / 17) >= heads * 1024 with heads = 4.
    expect(geometryForSectors(4096 * 17 - 1)).toEqual(chs(1023, 4, 17));
    expect(geometryForSectors(4096 * 17)).toEqual(chs(140, 16, 31));
  });

  it('switches to 63 sectors per track when 31 is not enough', () => {
    expect(geometryForSectors(16384 * 31 - 1)).toEqual(chs(1023, 16, 31));
    expect(geometryForSectors(16384 * 31)).toEqual(chs(503, 16, 63));
  });

  it('switches to 255 sectors per track at 65535 * 16 * 63 sectors', () => {
    expect(geometryForSectors(65535 * 16 * 63 - 1)).toEqual(chs(65534, 16, 63));
    expect(geometryForSectors(65535 * 16 * 63)).toEqual(chs(16191, 16, 255));
  });

  it('keeps the maximum geometry at and past 65535 * 16 * 255 sectors', () => {
    expect(geometryForSectors(MAX_SECTORS - 1)).toEqual(chs(65534, 16, 255));
    expect(geometryForSectors(MAX_SECTORS)).toEqual(MAX_GEOMETRY);
    expect(geometryForSectors(MAX_SECTORS + 1)).toEqual(MAX_GEOMETRY);
  });

  it('gives a tiny disk four heads and zero or few cylinders', () => {
    expect(geometryForSectors(0)).toEqual(chs(0, 4, 17));
    expect(geometryForSectors(1)).toEqual(chs(0, 4, 17));
    expect(geometryForSectors(68)).toEqual(chs(1, 4, 17));
  });

  it('never exceeds the disk, the CHS limits, or the specification’s choices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xff000000 }), (sectors) => {
        const g = geometryForSectors(sectors);
        expect([17, 31, 63, 255]).toContain(g.sectorsPerTrack);
        expect(g.heads).toBeGreaterThanOrEqual(4);
        expect(g.heads).toBeLessThanOrEqual(16);
        expect(g.cylinders).toBeLessThanOrEqual(65535);
        expect(Number.isInteger(g.cylinders)).toBe(true);
        expect(geometrySectors(g)).toBeLessThanOrEqual(Math.min(sectors, MAX_SECTORS));
        // Rounding down loses less than one cylinder of one head's worth per head.
        expect(Math.min(sectors, MAX_SECTORS) - geometrySectors(g)).toBeLessThan(
          g.heads * g.sectorsPerTrack + g.sectorsPerTrack,
        );
        if (g.sectorsPerTrack !== 17) expect(g.heads).toBe(16);
      }),
    );
  });
});

describe('geometrySectors, geometryBytes and isMaxGeometry', () => {
  it('multiply out cylinders, heads and sectors', () => {
    expect(geometrySectors(chs(301, 4, 17))).toBe(20468);
    expect(geometryBytes(chs(301, 4, 17))).toBe(20468 * 512);
    expect(geometryBytes(MAX_GEOMETRY)).toBe(136_899_993_600);
  });

  it('recognise the maximum by its product', () => {
    expect(isMaxGeometry(MAX_GEOMETRY)).toBe(true);
    expect(isMaxGeometry(chs(65535, 16, 255))).toBe(true);
    expect(isMaxGeometry(chs(65535, 16, 254))).toBe(false);
    expect(isMaxGeometry(chs(2080, 16, 63))).toBe(false);
  });
});

describe.skipIf(!fixturesAvailable)('geometry in real images', () => {
  const footerOf = (file: string) => {
    const bytes = readFileSync(fixturePath(file));
    return parseFooter(bytes.subarray(bytes.length - 512)).footer;
  };
  // Every producer here uses the specification's algorithm except FreeBSD mkimg for fixed disks and Disk2vhd, which
  // records the largest geometry whatever the size (its marker; see the test below).
  const ownGeometry = ['vhd/mkimg-fixed-mbr.vhd', 'vhd/disk2vhd-zerofilled-251m.vhd'];
  const specProducers = manifest().filter((e) => e.format === 'vhd' && !ownGeometry.includes(e.file));

  it.each(specProducers.map((e) => [e.file] as const))('%s: the recorded geometry is the algorithm’s', (file) => {
    const footer = footerOf(file);
    expect(footer.geometry).toEqual(geometryForSectors(Math.floor(footer.currentSize / 512)));
  });

  it('Disk2vhd records the largest geometry, 65535/16/255, for a 251 MiB disk', () => {
    const footer = footerOf('vhd/disk2vhd-zerofilled-251m.vhd');
    expect(footer.geometry).toEqual(chs(65535, 16, 255));
    expect(isMaxGeometry(footer.geometry)).toBe(true);
  });

  it('the Hyper-V 10 MiB fixture records 301/4/17', () => {
    expect(footerOf('vhd/hyperv-fixed-10m.vhd').geometry).toEqual(chs(301, 4, 17));
  });

  it('the 16 MiB mkimg fixed fixture records its own 2/255/63, not the algorithm’s 481/4/17', () => {
    const footer = footerOf('vhd/mkimg-fixed-mbr.vhd');
    expect(footer.currentSize).toBe(16 * MiB);
    expect(footer.geometry).toEqual(chs(2, 255, 63));
    expect(geometryForSectors(footer.currentSize / 512)).toEqual(chs(481, 4, 17));
    // That geometry is the size qemu-img 7.2 reports for it.
    const entry = manifest().find((e) => e.file === 'vhd/mkimg-fixed-mbr.vhd');
    expect(geometryBytes(footer.geometry)).toBe(entry?.qemuImg72VirtualSize);
  });
});
