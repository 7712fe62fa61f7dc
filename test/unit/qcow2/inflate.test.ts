// The hand-written raw inflate against zlib (Node's deflate is the independent truth): every level and window size,
// stored, fixed and dynamic blocks, several blocks per stream; a full output stops it; damage is an InflateError.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateError, inflateInto } from '../../../electron/engine/formats/qcow2/inflate';
import { seededBytes } from '../../helpers/data';

const KiB = 1024;

function samples(): [string, Buffer][] {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(3000));
  const mixed = Buffer.concat([
    seededBytes('a', 5000),
    Buffer.alloc(20000, 7),
    text.subarray(0, 30000),
    seededBytes('b', 10536),
  ]);
  return [
    ['zeros', Buffer.alloc(64 * KiB)],
    ['one byte repeated', Buffer.alloc(2048 * KiB, 0x41)],
    ['text', text.subarray(0, 64 * KiB)],
    ['random', seededBytes('r', 64 * KiB)],
    ['mixed', mixed],
    ['short', Buffer.from('ab')],
  ];
}

describe('inflateInto', () => {
  it.each(samples())('%s at every level and window', (_name, data) => {
    for (const level of [0, 1, 4, 6, 9])
      for (const windowBits of [9, 12, 15]) {
        const packed = deflateRawSync(data, { level, windowBits, memLevel: 1 + (level % 9) });
        const out = new Uint8Array(data.length);
        expect(inflateInto(Buffer.concat([packed, seededBytes('tail', 700)]), out)).toBe(data.length);
        expect(Buffer.from(out).equals(data)).toBe(true);
      }
  });

  it('stops once the output is full, whatever follows', () => {
    const data = Buffer.alloc(1024 * KiB, 3);
    const out = new Uint8Array(4 * KiB);
    expect(inflateInto(deflateRawSync(data), out)).toBe(out.length);
    expect(out.every((b) => b === 3)).toBe(true);
  });

  it('says how much a stream that ends early holds', () => {
    const out = new Uint8Array(64 * KiB);
    expect(inflateInto(deflateRawSync(Buffer.alloc(1000, 9)), out)).toBe(1000);
  });

  it('refuses damage with an InflateError, never reading past its input', () => {
    const packed = deflateRawSync(seededBytes('d', 64 * KiB), { level: 6 });
    const out = new Uint8Array(64 * KiB);
    expect(() => inflateInto(packed.subarray(0, packed.length >> 1), out)).toThrow(InflateError);
    expect(() => inflateInto(Uint8Array.of(0b111), out)).toThrow(/reserved type/);
    expect(() => inflateInto(Uint8Array.of(0b000, 5, 0, 5, 0), out)).toThrow(/complement/);
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(packed.subarray(0, 2000));
      bad[i % 200]! ^= 1 + (i % 255);
      try {
        inflateInto(bad, out);
      } catch (err) {
        expect(err).toBeInstanceOf(InflateError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});
