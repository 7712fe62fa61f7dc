import { describe, expect, it } from 'vitest';
import { crc32c, crc32cWithZeroedField } from '../../../electron/engine/formats/vhdx/crc32c';
import { parseGuidText, readGuid, writeGuid } from '../../../electron/engine/formats/vhdx/guid';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

describe('crc32c', () => {
  it('gives the known Castagnoli check values', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) appendix B.4 vectors.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is not the zlib CRC-32', () => {
    expect(crc32c(ascii('123456789'))).not.toBe(0xcbf43926);
  });

  it('continues a checksum over several pieces', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    expect(crc32c(data.subarray(300), crc32c(data.subarray(0, 300)))).toBe(crc32c(data));
  });

  it('counts a checksum field as zero', () => {
    const data = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    const zeroed = data.slice();
    zeroed.fill(0, 4, 8);
    expect(crc32cWithZeroedField(data, 4)).toBe(crc32c(zeroed));
  });
});

describe('VHDX GUIDs', () => {
  // The BAT region GUID as Hyper-V stores it (mixed-endian).
  const stored = Uint8Array.from([
    0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42, 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08,
  ]);

  it('reads the Microsoft binary form', () => {
    expect(readGuid(stored, 0)).toBe('2dc27766-f623-4200-9d64-115e9bfd4a08');
  });

  it('writes what it reads', () => {
    const bytes = new Uint8Array(16);
    writeGuid(bytes, 0, '{2DC27766-F623-4200-9D64-115E9BFD4A08}');
    expect(bytes).toEqual(stored);
  });

  it('parses text with or without braces and refuses the rest', () => {
    expect(parseGuidText('{83ED0EC3-24C8-49A6-A959-5E4BF1288BFB}')).toBe('83ed0ec3-24c8-49a6-a959-5e4bf1288bfb');
    expect(parseGuidText('83ed0ec3-24c8-49a6-a959-5e4bf1288bfb')).toBe('83ed0ec3-24c8-49a6-a959-5e4bf1288bfb');
    expect(parseGuidText('not-a-guid')).toBeNull();
    expect(() => writeGuid(new Uint8Array(16), 0, 'nope')).toThrow(RangeError);
  });
});
