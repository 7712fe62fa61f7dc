// Damaged and hostile qcow2 images: each mutated header field, L1 and L2 entry, refcount, compressed cluster and
// truncation ends in a typed error naming what is wrong (or, for refcounts and flags, a problem `check` reports),
// never a crash, a hang or an allocation the file does not justify.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import type { ErrorCode } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import { convertImage } from '../../../electron/engine/ops/convert';
import { checkImage } from '../../../electron/engine/ops/check';
import { hashImage } from '../../../electron/engine/ops/hash';
import { describeQcow2 } from '../../../electron/engine/formats/qcow2/qcow2-info';
import type { Qcow2Info } from '../../../electron/engine/formats/qcow2/qcow2-info';
import { seededBytes, writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();
const KiB = 1024;
const MiB = 1024 * KiB;

/** A Platter-written qcow2 (64 KiB clusters) of 4 MiB: data clusters, or compressed ones. */
let plain: Buffer;
let compressed: Buffer;

beforeAll(async () => {
  const dir = await tempDir();
  const raw = join(dir, 'd.img');
  await writeRaw(raw, 4 * MiB, [
    [0, 100 * KiB],
    [2 * MiB, 64 * KiB],
  ]);
  // Compressible data: the compressed image has truly compressed clusters.
  const file = await readFile(raw);
  file.fill(0x41, 3 * MiB, 3 * MiB + 200 * KiB);
  await writeFile(raw, file);
  await convertImage({ input: raw, output: join(dir, 'p.qcow2') });
  await convertImage({ input: raw, output: join(dir, 'c.qcow2'), compress: true });
  plain = await readFile(join(dir, 'p.qcow2'));
  compressed = await readFile(join(dir, 'c.qcow2'));
});

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64BE(at));

/** Where the first L1 entry's L2 table lies, and the file offset of guest cluster `n`'s L2 entry. */
function l2EntryAt(b: Buffer, n: number): number {
  const l2 = u64(b, u64(b, 40)) & 0x00fffffffffffe00;
  return l2 + n * 8;
}

async function written(bytes: Buffer, name = 'x.qcow2'): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, bytes);
  return path;
}

/**
 * Opening (for the header and L1 table) or reading (for L2 entries and clusters, checked as they are read) fails
 * with `code`, the message holding `words` and the path; and `check` reports it.
 */
async function expectRefused(bytes: Buffer, code: ErrorCode, words: RegExp, whenRead = false): Promise<void> {
  const path = await written(bytes);
  const open = () => openImage(path).then((i) => i.close());
  for (const attempt of whenRead ? [() => hashImage(path)] : [open, () => hashImage(path)]) {
    const error = await attempt().catch((e: unknown) => e);
    expect(isPlatterError(error, code), String(error)).toBe(true);
    expect((error as Error).message).toMatch(words);
    expect((error as Error).message).toContain(path);
  }
  const report = await checkImage(path);
  expect(report.problems.some((p) => p.code === code && p.severity === 'error')).toBe(true);
}

function edited(source: Buffer, edit: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(source);
  edit(copy);
  return copy;
}

describe('hostile qcow2 headers', () => {
  it.each([
    ['version 4', (b: Buffer) => b.writeUInt32BE(4, 4), 'UNSUPPORTED', /version 4/],
    ['cluster bits 8', (b: Buffer) => b.writeUInt32BE(8, 20), 'QCOW2_BAD_HEADER', /cluster size/],
    ['cluster bits 22', (b: Buffer) => b.writeUInt32BE(22, 20), 'QCOW2_BAD_HEADER', /cluster size/],
    ['cluster bits 2^32-1', (b: Buffer) => b.writeUInt32BE(0xffffffff, 20), 'QCOW2_BAD_HEADER', /cluster size/],
    ['AES encryption', (b: Buffer) => b.writeUInt32BE(1, 32), 'QCOW2_ENCRYPTED', /encrypted \(AES\)/],
    ['LUKS encryption', (b: Buffer) => b.writeUInt32BE(2, 32), 'QCOW2_ENCRYPTED', /encrypted \(LUKS\)/],
    ['an unknown feature', (b: Buffer) => b.writeBigUInt64BE(1n << 40n, 72), 'UNSUPPORTED', /feature bits 0x/],
    ['the external data file bit', (b: Buffer) => b.writeBigUInt64BE(4n, 72), 'UNSUPPORTED', /external data file/],
    ['a 2^32-1 entry L1 table', (b: Buffer) => b.writeUInt32BE(0xffffffff, 36), 'QCOW2_BAD_HEADER', /L1 table/],
    ['an L1 table too small', (b: Buffer) => b.writeUInt32BE(0, 36), 'QCOW2_BAD_HEADER', /too few/],
    ['an L1 table past the end', (b: Buffer) => b.writeBigUInt64BE(2n ** 40n, 40), 'QCOW2_BAD_HEADER', /L1 table/],
    ['a misaligned L1 table', (b: Buffer) => b.writeBigUInt64BE(BigInt(u64(b, 40) + 8), 40), 'QCOW2_BAD_HEADER', /L1/],
    ['a virtual size of 2^64-1', (b: Buffer) => b.writeBigUInt64BE(2n ** 64n - 1n, 24), 'QCOW2_BAD_HEADER', /size/],
    ['a huge refcount table', (b: Buffer) => b.writeUInt32BE(0xffffffff, 56), 'QCOW2_BAD_HEADER', /refcount table/],
    ['refcount order 7', (b: Buffer) => b.writeUInt32BE(7, 96), 'QCOW2_BAD_HEADER', /refcounts/],
    ['header length 3', (b: Buffer) => b.writeUInt32BE(3, 100), 'QCOW2_BAD_HEADER', /long/],
    ['compression type 7', (b: Buffer) => b.writeUInt8(7, 104), 'QCOW2_BAD_HEADER', /compression type 7/],
    ['65537 snapshots', (b: Buffer) => b.writeUInt32BE(65537, 60), 'QCOW2_BAD_HEADER', /snapshots/],
    [
      'snapshots past the end',
      (b: Buffer) => {
        b.writeUInt32BE(3, 60);
        b.writeBigUInt64BE(BigInt(b.length - 65536), 64);
      },
      'QCOW2_BAD_TABLE',
      /snapshot table/,
    ],
    [
      'a backing name past the first cluster',
      (b: Buffer) => {
        b.writeBigUInt64BE(65000n, 8);
        b.writeUInt32BE(1000, 16);
      },
      'QCOW2_BAD_HEADER',
      /backing file name/,
    ],
    [
      'a header extension longer than the cluster',
      (b: Buffer) => {
        b.writeUInt32BE(0xe2792aca, 112);
        b.writeUInt32BE(0x7fffffff, 116);
      },
      'QCOW2_BAD_HEADER',
      /extension/,
    ],
  ] as const)('%s', async (_name, edit, code, words) => {
    await expectRefused(edited(plain, edit), code, words);
  });

  it('a file cut short within the header or tables', async () => {
    for (const length of [0, 3, 71, 100]) {
      const path = await written(plain.subarray(0, length));
      const error = await openImage(path, { allowRaw: false }).catch((e: unknown) => e);
      expect(isPlatterError(error), String(error)).toBe(true);
    }
    // The tables are written last: a file cut before them has its L1 table past the end.
    await expectRefused(plain.subarray(0, 4 * 65536), 'QCOW2_BAD_HEADER', /past the end of the file/);
  });

  it('a missing backing file names itself and where it was looked for', async () => {
    const name = 'base.qcow2';
    const bytes = edited(plain, (b) => {
      b.write(name, 1024, 'latin1');
      b.writeBigUInt64BE(1024n, 8);
      b.writeUInt32BE(name.length, 16);
    });
    const path = await written(bytes, 'overlay.qcow2');
    const error = await openImage(path).catch((e: unknown) => e);
    expect(isPlatterError(error, 'VHD_PARENT_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain(`backing file ${name}`);
    expect((error as Error).message).toContain(`looked in ${join(path, '..', name)}`);
    const d = await describeQcow2(path);
    expect(d.parent).toMatchObject({ name, resolvedPath: null });
    expect(d.parentError?.code).toBe('VHD_PARENT_NOT_FOUND');
  });
});

describe('hostile qcow2 tables', () => {
  it('an L1 entry past the end of the file', async () => {
    const bytes = edited(plain, (b) => b.writeBigUInt64BE((1n << 63n) | (2n ** 40n), u64(b, 40)));
    await expectRefused(bytes, 'QCOW2_BAD_TABLE', /L1 entry 0/);
  });

  it('a misaligned L2 entry, and one past the end', async () => {
    for (const value of [(1n << 63n) | 0x10200n, (1n << 63n) | (2n ** 44n)]) {
      const bytes = edited(plain, (b) => b.writeBigUInt64BE(value, l2EntryAt(b, 0)));
      await expectRefused(bytes, 'QCOW2_BAD_TABLE', /guest cluster 0/, true);
    }
  });

  it('two guest clusters on one host cluster: check reports the refcount', async () => {
    const bytes = edited(plain, (b) => b.writeBigUInt64BE(b.readBigUInt64BE(l2EntryAt(b, 0)), l2EntryAt(b, 32)));
    const report = await checkImage(await written(bytes));
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'QCOW2_REFCOUNT', severity: 'error', message: expect.stringMatching(/share/) }),
    );
  });

  it('a refcount too low is an error, one too high a leak', async () => {
    const block = u64(plain, u64(plain, 48));
    for (const [value, code, severity] of [
      [0, 'QCOW2_REFCOUNT', 'error'],
      [5, 'QCOW2_REFCOUNT', 'error'],
    ] as const) {
      // Cluster 1 holds the first L2 table: refcount 1.
      const low = edited(plain, (b) => b.writeUInt16BE(value, block + 2));
      const report = await checkImage(await written(low));
      const expected = value === 0 ? { code, severity } : { code: 'QCOW2_LEAK', severity: 'warning' };
      expect(report.problems).toEqual([expect.objectContaining(expected)]);
    }
  });

  it('a refcount table entry misaligned', async () => {
    const bytes = edited(plain, (b) => b.writeBigUInt64BE(BigInt(u64(b, u64(b, 48)) + 8), u64(b, 48)));
    const report = await checkImage(await written(bytes));
    expect(report.problems[0]).toMatchObject({ code: 'QCOW2_BAD_TABLE', message: expect.stringMatching(/refcount/) });
  });

  it('dirty and corrupt bits are warned about, read anyway', async () => {
    const path = await written(edited(plain, (b) => b.writeBigUInt64BE(3n, 72)));
    const info = (await describeQcow2(path)).info as Qcow2Info;
    expect(info).toMatchObject({ dirty: true, corrupt: true });
    expect(info.warnings.join(' ')).toMatch(/dirty.*corrupt/);
    expect((await hashImage(path)).sha256).toBe((await hashImage(await written(plain))).sha256);
    const codes = (await checkImage(path)).problems.map((p) => `${p.code} ${p.severity}`);
    expect(codes).toEqual(['QCOW2_CORRUPT error', 'QCOW2_DIRTY warning']);
  });
});

describe('hostile compressed clusters', () => {
  /** The L2 entry offset of the first compressed cluster, and its descriptor. */
  function firstCompressed(b: Buffer): { at: number; offset: number } {
    for (let n = 0; n < 64; n++) {
      const word = b.readBigUInt64BE(l2EntryAt(b, n));
      if (word & (1n << 62n)) return { at: l2EntryAt(b, n), offset: Number(word & ((1n << 54n) - 1n)) };
    }
    throw new Error('no compressed cluster');
  }

  it('the compressed image reads back what was written', async () => {
    const path = await written(compressed);
    expect((await hashImage(path)).sha256).toBe((await hashImage(await written(plain))).sha256);
    expect(((await describeQcow2(path)).info as Qcow2Info).compressedClusters).toBeGreaterThan(0);
  });

  it('garbage where the deflate stream is', async () => {
    const bytes = edited(compressed, (b) => b.set(seededBytes('junk', 64), firstCompressed(b).offset));
    await expectRefused(bytes, 'QCOW2_BAD_CLUSTER', /compressed guest cluster/, true);
  });

  it('a stream cut short by its size field, and one past the end of the file', async () => {
    const short = edited(compressed, (b) => {
      const { at, offset } = firstCompressed(b);
      b.writeBigUInt64BE((1n << 62n) | BigInt(offset), at); // one sector, whatever the stream needs
    });
    await expectRefused(short, 'QCOW2_BAD_CLUSTER', /compressed guest cluster/, true);
    const past = edited(compressed, (b) => b.writeBigUInt64BE((1n << 62n) | (2n ** 40n), firstCompressed(b).at));
    await expectRefused(past, 'QCOW2_BAD_TABLE', /past the end/, true);
  });

  // qemu takes the first cluster's worth of such a stream; Platter never decompresses past the cluster.
  it('a stream that inflates past the cluster (64 MiB of it) is refused, without inflating it all', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const big = deflateRawSync(Buffer.alloc(64 * MiB, 7));
    let cluster = -1;
    const bytes = edited(compressed, (b) => {
      const { at, offset } = firstCompressed(b);
      cluster = (at - l2EntryAt(b, 0)) / 8;
      big.copy(b, offset);
      const sectors = BigInt(Math.ceil(big.length / 512) - 1);
      b.writeBigUInt64BE((1n << 62n) | (sectors << 54n) | BigInt(offset), at);
    });
    const image = await openImage(await written(bytes));
    try {
      const data = new Uint8Array(64 * KiB);
      const error = await image.read(data, cluster * 64 * KiB).catch((e: unknown) => e);
      expect(isPlatterError(error, 'QCOW2_BAD_CLUSTER')).toBe(true);
      expect((error as Error).message).toMatch(/past a whole cluster/);
    } finally {
      await image.close();
    }
  });

  it('a zstd frame asking for a 2 GiB window', async () => {
    const bytes = edited(compressed, (b) => {
      b.writeBigUInt64BE(1n << 3n, 72); // the compression type bit
      b.writeUInt8(1, 104); // zstd
      const { offset } = firstCompressed(b);
      // Magic, a descriptor without single segment, a window descriptor of 2^31.
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3]).copy(b, offset);
    });
    await expectRefused(bytes, 'QCOW2_BAD_CLUSTER', /zstd window/, true);
  });
});
