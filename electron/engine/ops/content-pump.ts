import type { Hash } from 'node:crypto';
import { throwIfAborted } from '../errors';
import type { DiskImage, Extent } from '../image/disk-image';
import { progressReporter } from './progress';
import type { JobControl } from './progress';

/** Bytes read from the source at a time (measured: see docs/performance.md). */
export const PUMP_CHUNK = 1024 * 1024;
/** Zero runs shorter than this are written as data; longer ones are skipped and stay holes. */
export const ZERO_GRAIN = 4096;

const zeroChunk = Buffer.alloc(PUMP_CHUNK);

export function isAllZero(bytes: Uint8Array): boolean {
  for (let pos = 0; pos < bytes.length; pos += PUMP_CHUNK) {
    const n = Math.min(PUMP_CHUNK, bytes.length - pos);
    if (!Buffer.from(bytes.buffer, bytes.byteOffset + pos, n).equals(zeroChunk.subarray(0, n))) return false;
  }
  return true;
}

/**
 * Calls `emit` for each run of `chunk` that holds a non-zero byte, at ZERO_GRAIN granularity. The emits are
 * started in order and run concurrently; the returned promise settles when all are done.
 */
export function forEachDataRun(chunk: Uint8Array, position: number, emit: Emit): Promise<unknown> {
  if (isAllZero(chunk)) return Promise.resolve();
  const writes: Promise<void>[] = [];
  let runStart = -1;
  for (let pos = 0; pos < chunk.length; pos += ZERO_GRAIN) {
    const zero = isAllZero(chunk.subarray(pos, Math.min(pos + ZERO_GRAIN, chunk.length)));
    if (!zero && runStart < 0) runStart = pos;
    if (zero && runStart >= 0) {
      writes.push(emit(chunk.subarray(runStart, pos), position + runStart));
      runStart = -1;
    }
  }
  if (runStart >= 0) writes.push(emit(chunk.subarray(runStart), position + runStart));
  return Promise.all(writes);
}

/** Receives a run of the disk; must start its I/O before it first awaits (so emits keep their order). */
export type Emit = (data: Uint8Array, position: number) => Promise<void>;

export interface PumpOptions extends JobControl {
  readonly phase: string;
  /** Also hash every byte of the virtual disk (zeros included) into this. */
  readonly hash?: Hash;
  /** Emit zero runs too (preallocated outputs). */
  readonly includeZeros?: boolean;
}

interface Chunk {
  readonly position: number;
  readonly length: number;
  readonly zero: boolean;
}

function* chunksOf(extents: readonly Extent[]): Generator<Chunk> {
  for (const extent of extents) {
    const end = extent.offset + extent.length;
    for (let pos = extent.offset; pos < end; pos += PUMP_CHUNK) {
      yield { position: pos, length: Math.min(PUMP_CHUNK, end - pos), zero: extent.kind === 'zero' };
    }
  }
}

/** Chunks in flight at once: reads run ahead of the writes, several writes overlap (as qemu-img's coroutines do). */
export const PUMP_WINDOW = 4;

/**
 * Streams a disk's content to `emit` in order, skipping runs the source knows are zero and (unless
 * includeZeros) runs that read as zero. A ring of PUMP_WINDOW reused buffers: memory stays flat whatever the
 * disk size, and a buffer is read again only once the writes from it are done.
 */
export async function pumpContent(source: DiskImage, emit: Emit, options: PumpOptions): Promise<void> {
  const progress = progressReporter(options, options.phase, source.virtualSize);
  const slots = Array.from({ length: PUMP_WINDOW }, () => ({
    buffer: new Uint8Array(PUMP_CHUNK),
    busy: Promise.resolve() as Promise<unknown>,
  }));
  const zeroNeeded = options.includeZeros === true || options.hash !== undefined;
  const load = async (chunk: Chunk, buffer: Uint8Array): Promise<Uint8Array> => {
    // A known-zero chunk is only materialized when someone looks at its bytes.
    if (chunk.zero) return zeroNeeded ? zeroChunk.subarray(0, chunk.length) : buffer.subarray(0, 0);
    const view = buffer.subarray(0, chunk.length);
    await source.read(view, chunk.position);
    return view;
  };
  const chunks = [...chunksOf(await source.extents())];
  const reads: Promise<Uint8Array>[] = [];
  const startRead = (i: number) => {
    const slot = slots[i % PUMP_WINDOW]!;
    const read = slot.busy.then(() => load(chunks[i]!, slot.buffer));
    read.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
    reads[i] = read;
  };
  for (let i = 0; i < Math.min(PUMP_WINDOW, chunks.length); i++) startRead(i);
  try {
    for (let i = 0; i < chunks.length; i++) {
      throwIfAborted(options.signal);
      const chunk = chunks[i]!;
      const data = await reads[i]!;
      options.hash?.update(data);
      let writes: Promise<unknown> = Promise.resolve();
      if (options.includeZeros) writes = emit(data, chunk.position);
      else if (!chunk.zero) writes = forEachDataRun(data, chunk.position, emit);
      writes.catch(() => undefined);
      slots[i % PUMP_WINDOW]!.busy = writes;
      if (i + PUMP_WINDOW < chunks.length) startRead(i + PUMP_WINDOW);
      progress.add(chunk.length);
    }
  } finally {
    // Let every started write finish (or fail) before the caller closes or removes the file.
    await Promise.allSettled(slots.map((s) => s.busy));
  }
  for (const slot of slots) await slot.busy;
  progress.finish();
}
