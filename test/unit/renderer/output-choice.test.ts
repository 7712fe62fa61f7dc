// What a new image is asked to be: the options offered and sent follow OUTPUT_OPTIONS (shared with the engine), so
// a VHD gets no sector sizes, a fixed disk no block size, a raw image no type, and a preset's choice is its own.
import { describe, expect, it } from 'vitest';
import {
  blockSizeOptions,
  defaultChoice,
  defaultExtension,
  nameFits,
  outputFields,
  presetChoice,
  sectorOf,
} from '../../../renderer/src/lib/output-choice';
import { OUTPUT_OPTIONS } from '../../../shared/ipc-contract';
import type { PresetInfo } from '../../../shared/ipc-contract';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('block sizes', () => {
  it('are the powers of two of the format range, the portable ones recommended', () => {
    const vhd = blockSizeOptions('vhd');
    expect(vhd.map((b) => b.size)).toEqual([512 * KiB, ...[1, 2, 4, 8, 16, 32, 64, 128, 256].map((n) => n * MiB)]);
    expect(vhd.filter((b) => b.recommended).map((b) => b.size)).toEqual([512 * KiB, 2 * MiB]);
    const vhdx = blockSizeOptions('vhdx');
    expect(vhdx[0]?.size).toBe(MiB);
    expect(vhdx.at(-1)?.size).toBe(256 * MiB);
    expect(vhdx.filter((b) => b.recommended).map((b) => b.size)).toEqual(OUTPUT_OPTIONS.vhdx.blockSizes?.portable);
    expect(blockSizeOptions('raw')).toEqual([]);
  });
});

describe('defaultChoice', () => {
  it('preselects the format default block size, keeps the type and sector sizes it can', () => {
    const vhd = defaultChoice('vhd');
    expect(vhd).toMatchObject({ format: 'vhd', type: 'dynamic', blockSize: 2 * MiB });
    const vhdx = defaultChoice('vhdx', { ...vhd, type: 'fixed', blockSize: 512 * KiB });
    expect(vhdx).toMatchObject({
      type: 'fixed',
      blockSize: 32 * MiB,
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
    });
    const back = defaultChoice('vhd', { ...vhdx, logicalSectorSize: 4096 });
    expect(back).toMatchObject({ type: 'fixed', blockSize: 2 * MiB, logicalSectorSize: 4096 });
  });
});

describe('outputFields', () => {
  it('sends only what the format takes', () => {
    expect(outputFields(defaultChoice('vhd'))).toEqual({ type: 'dynamic', blockSize: 2 * MiB });
    expect(outputFields({ ...defaultChoice('vhd'), type: 'fixed', preallocate: true })).toEqual({
      type: 'fixed',
      preallocate: true,
    });
    expect(outputFields({ ...defaultChoice('vhdx'), blockSize: MiB, logicalSectorSize: 4096 })).toEqual({
      type: 'dynamic',
      blockSize: MiB,
      logicalSectorSize: 4096,
      physicalSectorSize: 4096,
    });
    // A fixed VHDX holds every block already: no preallocation to ask for.
    expect(outputFields({ ...defaultChoice('vhdx'), type: 'fixed', preallocate: true })).toEqual({
      type: 'fixed',
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
    });
    expect(outputFields(defaultChoice('raw'))).toEqual({ preallocate: false });
  });
});

describe('presetChoice', () => {
  it('takes the preset format, type, block size and sector sizes', () => {
    const wsl: PresetInfo = {
      name: 'wsl',
      format: 'vhdx',
      description: 'WSL 2',
      type: 'dynamic',
      blockSize: MiB,
      maxSize: 64 * 1024 * 1024 * MiB,
      subformat: null,
      logicalSectorSize: 512,
      physicalSectorSize: 4096,
    };
    expect(presetChoice(wsl)).toMatchObject({
      format: 'vhdx',
      type: 'dynamic',
      blockSize: MiB,
      logicalSectorSize: 512,
    });
    const azure: PresetInfo = {
      ...wsl,
      name: 'azure',
      format: 'vhd',
      type: 'fixed',
      blockSize: null,
      logicalSectorSize: null,
      physicalSectorSize: null,
    };
    expect(outputFields(presetChoice(azure))).toEqual({ type: 'fixed', preallocate: false });
  });
});

describe('names and sectors', () => {
  it('name a file by its format, and size it in its logical sectors', () => {
    expect(defaultExtension('vhdx')).toBe('.vhdx');
    expect(nameFits('/d/Disk.VHDX', 'vhdx')).toBe(true);
    expect(nameFits('/d/disk.vhd', 'vhdx')).toBe(false);
    expect(nameFits('/d/disk.iso', 'raw')).toBe(true);
    expect(sectorOf({ ...defaultChoice('vhdx'), logicalSectorSize: 4096 })).toBe(4096);
    expect(sectorOf({ ...defaultChoice('vhd'), logicalSectorSize: 4096 })).toBe(512);
  });
});
