// Size arguments: bytes or K, M, G, T (powers of 1024), as `--size` and `--block-size` take them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSize, formatSizeExact, parseSize } from '../../../electron/cli/sizes';
import { UsageError } from '../../../electron/cli/usage-error';

const K = 1024;

describe('parseSize', () => {
  it.each([
    ['512', 512],
    ['0', 0],
    ['64K', 64 * K],
    ['64k', 64 * K],
    ['1.5G', 1.5 * K ** 3],
    ['2T', 2 * K ** 4],
    ['10M', 10 * K ** 2],
    ['10MiB', 10 * K ** 2],
    ['10mib', 10 * K ** 2],
    ['10MB', 10 * K ** 2],
    ['10 MiB', 10 * K ** 2],
    ['  64K  ', 64 * K],
    ['512B', 512],
    ['0.5K', 512],
    ['2040G', 2040 * K ** 3],
    ['8191T', 8191 * K ** 4],
  ])('reads %j as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    '',
    ' ',
    'abc',
    'K',
    'G10',
    '-1',
    '-64K',
    '+5',
    '1e3',
    '0x10',
    '1.5.5G',
    '.5G',
    '5.G',
    '10X',
    '10KK',
    '10 M B',
    '1,5G',
  ])('refuses %j as not a size', (text) => {
    expect(() => parseSize(text)).toThrow(UsageError);
    expect(() => parseSize(text)).toThrow(/is not a size - use bytes or a number with K, M, G or T/);
  });

  it.each(['1.5', '0.1K', '1.0000001M', '513.5'])('refuses %j, which is not a whole number of bytes', (text) => {
    expect(() => parseSize(text)).toThrow(UsageError);
    expect(() => parseSize(text)).toThrow(/not a whole number of bytes/);
  });

  it('names the option in its message', () => {
    expect(() => parseSize('big', '--block-size')).toThrow(/^--block-size "big" is not a size/);
    expect(() => parseSize('big')).toThrow(/^size "big"/);
  });

  it('reads any whole number of bytes or units back exactly', () => {
    const unit = fc.constantFrom(['', 1], ['K', K], ['M', K ** 2], ['G', K ** 3], ['T', K ** 4]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), unit, (n, [suffix, scale]) => {
        expect(parseSize(`${n}${suffix}`)).toBe(n * scale);
      }),
    );
  });
});

describe('formatSize and formatSizeExact', () => {
  it.each([
    [0, '0 bytes'],
    [512, '512 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [10 * K ** 2, '10 MiB'],
    [1.5 * K ** 3, '1.50 GiB'],
    [2 * K ** 4, '2 TiB'],
    [123456789, '118 MiB'],
  ])('formats %d as %j', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('adds the exact byte count from 1 KiB up', () => {
    expect(formatSizeExact(512)).toBe('512 bytes');
    expect(formatSizeExact(10 * K ** 2)).toBe('10 MiB (10485760 bytes)');
  });
});
