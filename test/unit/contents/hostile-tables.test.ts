// Partition tables and superblocks are whatever the guest wrote: mutated ones (a GPT, an MBR with a chain of
// logical partitions, an NTFS volume) must give an answer, never an exception, a hang or a read outside the disk.
import { describe, expect, it } from 'vitest';
import { readDiskContents } from '../../../electron/engine/contents/disk-contents';
import type { DiskImage } from '../../../electron/engine/image/disk-image';
import { checkReadRange } from '../../../electron/engine/image/disk-image';
import { crc32 } from '../../../electron/engine/contents/crc32';
import { seededBytes } from '../../helpers/data';

const SIZE = 4 * 1024 * 1024;

/** A disk in memory that counts its reads and refuses any outside itself, as real images do. */
function memoryDisk(bytes: Uint8Array): DiskImage & { reads: number } {
  return {
    path: 'memory.img',
    format: 'raw',
    virtualSize: bytes.length,
    reads: 0,
    async read(target, position) {
      checkReadRange(this, target.length, position);
      this.reads++;
      target.set(bytes.subarray(position, position + target.length));
    },
    async extents() {
      return [{ offset: 0, length: bytes.length, kind: 'data' }];
    },
    async close() {},
  };
}

function le32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
}

/** A small GPT disk: protective MBR, header with valid CRCs, two entries. */
function gptDisk(): Uint8Array {
  const d = new Uint8Array(SIZE);
  d.set([0x00, 0x00, 0x02, 0x00, 0xee], 446);
  le32(d, 446 + 8, 1);
  le32(d, 446 + 12, SIZE / 512 - 1);
  d[510] = 0x55;
  d[511] = 0xaa;
  const entries = d.subarray(1024, 1024 + 128 * 128);
  for (const [i, first, last] of [
    [0, 34, 2047],
    [1, 2048, 8000],
  ]) {
    entries.set(seededBytes(`type${i}`, 16), i! * 128);
    new DataView(entries.buffer, entries.byteOffset).setBigUint64(i! * 128 + 32, BigInt(first!), true);
    new DataView(entries.buffer, entries.byteOffset).setBigUint64(i! * 128 + 40, BigInt(last!), true);
  }
  const h = d.subarray(512, 1024);
  h.set(new TextEncoder().encode('EFI PART'));
  le32(h, 8, 0x10000);
  le32(h, 12, 92);
  new DataView(h.buffer, h.byteOffset).setBigUint64(72, 2n, true);
  le32(h, 80, 128);
  le32(h, 84, 128);
  le32(h, 88, crc32(entries));
  le32(h, 16, crc32(h.subarray(0, 92)));
  return d;
}

/** An MBR disk whose extended partition holds a chain of three logical partitions. */
function mbrDisk(): Uint8Array {
  const d = new Uint8Array(SIZE);
  const entry = (sector: number, slot: number, type: number, first: number, count: number) => {
    d[sector * 512 + 446 + slot * 16 + 4] = type;
    le32(d, sector * 512 + 446 + slot * 16 + 8, first);
    le32(d, sector * 512 + 446 + slot * 16 + 12, count);
    d[sector * 512 + 510] = 0x55;
    d[sector * 512 + 511] = 0xaa;
  };
  entry(0, 0, 0x83, 64, 1000);
  entry(0, 1, 0x05, 2048, 6000);
  for (let i = 0; i < 3; i++) {
    const ebr = 2048 + i * 2000;
    entry(ebr, 0, 0x07, 64, 1000);
    if (i < 2) entry(ebr, 1, 0x05, (i + 1) * 2000, 2000);
  }
  // An NTFS boot sector in the first logical partition, pointing its MFT somewhere in the disk.
  const boot = (2048 + 64) * 512;
  d.set(new TextEncoder().encode('NTFS    '), boot + 3);
  d[boot + 11] = 0x00;
  d[boot + 12] = 0x02;
  d[boot + 13] = 8;
  new DataView(d.buffer).setBigUint64(boot + 48, 4n, true);
  d[boot + 64] = 0xf6;
  return d;
}

describe('hostile partition tables', () => {
  it('the unmutated disks read as built', async () => {
    expect((await readDiskContents(memoryDisk(gptDisk()))).partitions.map((p) => p.start / 512)).toEqual([34, 2048]);
    const mbr = await readDiskContents(memoryDisk(mbrDisk()));
    expect(mbr.partitions.map((p) => p.number)).toEqual([1, 2, 5, 6, 7]);
    expect(mbr.partitions[2]!.fileSystem?.type).toBe('ntfs');
  });

  it('a disk of no size, or of less than a sector, holds nothing (the fuzzer found reads before its start)', async () => {
    for (const size of [0, 100, 511]) {
      expect(await readDiskContents(memoryDisk(new Uint8Array(size)))).toEqual({
        scheme: null,
        diskId: null,
        partitions: [],
        fileSystem: null,
      });
    }
  });

  it.each([
    ['GPT', gptDisk, [0, 2048]],
    ['MBR with logical partitions and NTFS', mbrDisk, [0, 2048 * 512, (2048 + 64) * 512, 4096 * 512, 6048 * 512]],
  ] as const)('%s: 400 mutations each give an answer with few reads', async (_name, make, hot) => {
    for (let round = 0; round < 400; round++) {
      const disk = make();
      const noise = seededBytes(`${_name}-${round}`, 64);
      // Flip bytes in the places a parser looks at: the table sectors and the boot sector.
      for (let i = 0; i < 16; i++) {
        const base = hot[noise[i]! % hot.length]!;
        disk[base + (((noise[16 + i]! << 8) | noise[32 + i]!) % 1536)] = noise[48 + i]!;
      }
      const image = memoryDisk(disk);
      const contents = await readDiskContents(image);
      expect(contents.partitions.length).toBeLessThanOrEqual(1024 + 4);
      for (const p of contents.partitions) expect(p.start + p.size).toBeLessThanOrEqual(SIZE);
      expect(image.reads).toBeLessThan(1200);
    }
  });
});
