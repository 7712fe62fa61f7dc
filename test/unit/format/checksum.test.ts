// The VHD checksum: one's complement of the byte sum, with the checksum field itself counted as zero.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vhdChecksum } from '../../../electron/engine/formats/vhd/checksum';
import { fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';

/** An independent statement of the rule, written from the specification, to compare against. */
function referenceChecksum(bytes: Uint8Array, checksumOffset: number): number {
  const copy = Uint8Array.from(bytes);
  copy.fill(0, checksumOffset, checksumOffset + 4);
  const sum = copy.reduce((s, b) => s + b, 0);
  return 0xffffffff - sum;
}

describe('vhdChecksum', () => {
  it('is all ones for a block of zeros', () => {
    expect(vhdChecksum(new Uint8Array(512), 64)).toBe(0xffffffff);
  });

  it('is the one’s complement of the byte sum', () => {
    const bytes = new Uint8Array(512);
    bytes[0] = 1;
    bytes[1] = 2;
    bytes[511] = 0xff;
    expect(vhdChecksum(bytes, 64)).toBe(0xffffffff - 0x102);
  });

  it('counts the checksum field as zero, whatever it holds', () => {
    const bytes = new Uint8Array(512);
    bytes[10] = 7;
    const before = vhdChecksum(bytes, 64);
    bytes.fill(0xff, 64, 68);
    expect(vhdChecksum(bytes, 64)).toBe(before);
    expect(before).toBe(0xffffffff - 7);
  });

  it('counts the bytes right beside the checksum field', () => {
    const bytes = new Uint8Array(1024);
    bytes[35] = 1;
    bytes[40] = 2;
    expect(vhdChecksum(bytes, 36)).toBe(0xffffffff - 3);
  });

  it('stays an unsigned 32-bit value for a buffer full of 0xff', () => {
    const bytes = new Uint8Array(1024).fill(0xff);
    const value = vhdChecksum(bytes, 36);
    expect(value).toBe(0xffffffff - 1020 * 255);
    expect(value).toBeGreaterThanOrEqual(0);
  });

  it('agrees with the rule for any 512 or 1024 bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 512, maxLength: 512 }).map((b) => [b, 64] as const),
          fc.uint8Array({ minLength: 1024, maxLength: 1024 }).map((b) => [b, 36] as const),
        ),
        ([bytes, offset]) => {
          expect(vhdChecksum(bytes, offset)).toBe(referenceChecksum(bytes, offset));
        },
      ),
    );
  });
});

describe.skipIf(!fixturesAvailable)('vhdChecksum on real images', () => {
  const vhds = manifest().filter((e) => e.format === 'vhd');

  it.each(vhds.map((e) => [e.file] as const))('%s: the footer at the end holds its checksum', (file) => {
    const bytes = readFileSync(fixturePath(file));
    const footer = bytes.subarray(bytes.length - 512);
    const stored = footer.readUInt32BE(64);
    expect(vhdChecksum(footer, 64)).toBe(stored);
    expect(referenceChecksum(footer, 64)).toBe(stored);
  });

  it('the Hyper-V dynamic image: footer copy and dynamic header checksums hold too', () => {
    const bytes = readFileSync(fixturePath('vhd/hyperv-dynamic-10m.vhd'));
    const head = bytes.subarray(0, 512);
    expect(vhdChecksum(head, 64)).toBe(head.readUInt32BE(64));
    const header = bytes.subarray(512, 1536);
    expect(header.subarray(0, 8).toString('latin1')).toBe('cxsparse');
    expect(vhdChecksum(header, 36)).toBe(header.readUInt32BE(36));
  });

  it('a changed byte changes the checksum', () => {
    const bytes = readFileSync(fixturePath('vhd/hyperv-fixed-10m.vhd'));
    const footer = Uint8Array.from(bytes.subarray(bytes.length - 512));
    const stored = new DataView(footer.buffer).getUint32(64);
    footer[100] = footer[100]! ^ 0x01;
    expect(vhdChecksum(footer, 64)).not.toBe(stored);
  });
});
