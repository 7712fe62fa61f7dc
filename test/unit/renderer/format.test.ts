// Sizes and paths as the renderer shows and reads them.
import { describe, expect, it } from 'vitest';
import {
  baseName,
  exactBytes,
  extensionOf,
  formatBytes,
  formatDuration,
  formatElapsed,
  formatTimeLeft,
  parseSize,
  withExtension,
} from '../../../renderer/src/lib/format';

describe('format', () => {
  it('formats bytes in powers of 1024', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatBytes(4194816)).toBe('4.00 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.50 GiB');
    expect(exactBytes(10485760)).toBe('10,485,760 bytes');
  });

  it('parses sizes with units, refuses anything else', () => {
    expect(parseSize('20G')).toBe(20 * 1024 ** 3);
    expect(parseSize('64 MiB')).toBe(64 * 1024 ** 2);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('1048576')).toBe(1048576);
    for (const bad of ['', 'G', '-1M', '0', '12X', '1e3']) expect(parseSize(bad)).toBeNull();
  });

  it('durations and paths', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatTimeLeft(0.37)).toBe('1 s');
    expect(formatTimeLeft(59.2)).toBe('1 min 0 s');
    expect(formatTimeLeft(0)).toBe('0 s');
    expect(formatElapsed(0.04)).toBe('< 0.1 s');
    expect(formatElapsed(0.05)).toBe('0.1 s');
    expect(formatElapsed(3.21)).toBe('3.2 s');
    expect(formatElapsed(42.4)).toBe('42 s');
    expect(baseName('C:\\a\\b.vhd')).toBe('b.vhd');
    expect(withExtension('/a/disk.img', '.vhd')).toBe('/a/disk.vhd');
    expect(extensionOf('/a/ext4.vhdx')).toBe('.vhdx');
    expect(extensionOf('/a/.hidden')).toBe('');
  });
});
