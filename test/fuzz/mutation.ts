// Shared pieces of the mutators: an image held in memory, edits that describe themselves, interesting values.
import type { Rng } from './rng';

/** A file being mutated: its bytes (replaced when cut or grown) and a log of what was done, for the report. */
export class Mutable {
  readonly log: string[] = [];

  constructor(public bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  /** Writes `data` at `offset` when it lies inside the file (a mutation never grows the file by accident). */
  put(offset: number, data: Uint8Array, what: string): void {
    if (offset < 0 || offset + data.length > this.size) return;
    this.bytes.set(data, offset);
    this.log.push(`${what} @${offset}`);
  }

  u32(offset: number, value: number, what: string): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0);
    this.put(offset, b, `${what}=${value >>> 0}`);
  }

  u64(offset: number, value: bigint, what: string): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt.asUintN(64, value));
    this.put(offset, b, `${what}=${value}`);
  }

  u32le(offset: number, value: number, what: string): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.put(offset, b, `${what}=${value >>> 0}`);
  }

  u64le(offset: number, value: bigint, what: string): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, value));
    this.put(offset, b, `${what}=${value}`);
  }

  flip(offset: number, rng: Rng, what: string): void {
    if (offset < 0 || offset >= this.size) return;
    this.bytes[offset]! ^= rng.range(1, 255);
    this.log.push(`flip ${what} @${offset}`);
  }

  truncate(length: number): void {
    const n = Math.max(0, Math.min(length, this.size));
    this.bytes = Buffer.from(this.bytes.subarray(0, n));
    this.log.push(`truncate to ${n}`);
  }

  append(data: Uint8Array, what: string): void {
    this.bytes = Buffer.concat([this.bytes, data]);
    this.log.push(`append ${data.length} bytes of ${what}`);
  }
}

/** 32-bit values that find off-by-ones, sign bugs and unchecked sizes. */
export function interestingU32(rng: Rng, extra: readonly number[] = []): number {
  const odd = rng.int(0x7fffffff) * 2 + 1;
  return rng.pick([0, 1, 2, 3, 511, 512, 513, 4096, odd, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, ...extra]);
}

/** 64-bit values: around the safe-integer edge, the file size, and all ones. */
export function interestingU64(rng: Rng, fileSize: number): bigint {
  const size = BigInt(fileSize);
  return rng.pick([
    0n,
    1n,
    511n,
    512n,
    BigInt(rng.int(0x7fffffff) * 2 + 1),
    2n ** 32n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 63n,
    2n ** 64n - 1n,
    size,
    size - 512n,
    size + 512n,
    BigInt(rng.int(fileSize + 1)),
  ]);
}
