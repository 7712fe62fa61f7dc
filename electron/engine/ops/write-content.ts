import type { DynamicHeader } from '../formats/vhd/dynamic-header';
import { serializeFooter } from '../formats/vhd/footer';
import type { Footer } from '../formats/vhd/footer';
import type { DiskImage } from '../image/disk-image';
import { blockPieces } from '../image/layers';
import type { RandomAccessFile } from '../io/random-access-file';
import { PUMP_CHUNK, pumpContent } from './content-pump';
import type { PumpOptions } from './content-pump';
import { SparseVhdWriter } from '../formats/vhd/sparse-vhd-writer';

export interface ContentOptions extends Omit<PumpOptions, 'includeZeros'> {
  readonly preallocate: boolean;
}

/**
 * Writes the source as a flat disk of `size` bytes (raw, or a fixed VHD when a footer is given): data runs are
 * written, zero runs stay holes unless preallocating. Returns the file size.
 */
export async function writeFlatContent(
  file: RandomAccessFile,
  source: DiskImage,
  size: number,
  footer: Footer | null,
  options: ContentOptions,
): Promise<number> {
  await pumpContent(source, (data, position) => file.write(data, position), {
    ...options,
    includeZeros: options.preallocate,
  });
  if (options.preallocate && size > source.virtualSize) {
    const zeros = new Uint8Array(PUMP_CHUNK);
    for (let pos = source.virtualSize; pos < size; pos += PUMP_CHUNK)
      await file.write(zeros.subarray(0, Math.min(PUMP_CHUNK, size - pos)), pos);
  }
  await file.truncate(size);
  if (footer) await file.write(serializeFooter(footer), size);
  return file.size;
}

/** What a writer that allocates blocks as they are first written offers the pump (dynamic VHD, VHDX). */
export interface BlockWriter {
  readonly blockSize: number;
  writeData(block: number, offsetInBlock: number, data: Uint8Array): Promise<unknown>;
  /** Writes a run of the disk that may cross blocks, where the writer can do better than block by block. */
  writeRun?(position: number, data: Uint8Array): Promise<unknown>;
  /** Writes the structures once every block is in place; returns the file size. */
  finish(): Promise<number>;
}

/** Writes the source through `writer`: only blocks holding a non-zero byte are allocated. Returns the file size. */
export async function writeBlockContent(
  source: DiskImage,
  writer: BlockWriter,
  options: ContentOptions,
): Promise<number> {
  const blockSize = writer.blockSize;
  await pumpContent(
    source,
    async (data, position) => {
      if (writer.writeRun) return void (await writer.writeRun(position, data));
      // A run may cross block boundaries: split it.
      const writes: Promise<unknown>[] = [];
      for (const { block, inBlock, from, to } of blockPieces(position, data.length, blockSize))
        writes.push(writer.writeData(block, inBlock, data.subarray(from, to)));
      await Promise.all(writes);
    },
    { ...options, includeZeros: false },
  );
  return writer.finish();
}

/** Counts the blocks a block writer would hold, writing nothing (a rewrite's estimate). */
export class BlockCounter implements BlockWriter {
  private readonly kept = new Set<number>();
  constructor(readonly blockSize: number) {}
  writeData(block: number): Promise<void> {
    this.kept.add(block);
    return Promise.resolve();
  }
  finish(): Promise<number> {
    return Promise.resolve(this.kept.size);
  }
}

/** Writes the source as a dynamic VHD. Returns the file size. */
export function writeDynamicContent(
  file: RandomAccessFile,
  source: DiskImage,
  footer: Footer,
  header: DynamicHeader,
  options: ContentOptions,
): Promise<number> {
  return writeBlockContent(source, new SparseVhdWriter(file, footer, header), options);
}
