import type { Hash } from 'node:crypto';
import { throwIfAborted } from '../errors';
import { pushExtent } from '../image/disk-image';
import type { DiskImage, Extent } from '../image/disk-image';
import { pageAlignedBuffer } from '../io/native-addon';
import { progressReporter, yieldToEventLoop } from './progress';
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

/** Whether bytes [start, end) are all zero; data is nearly always told by its first or last byte, without a compare. */
function isZeroRange(bytes: Uint8Array, start: number, end: number): boolean {
  if (bytes[start] !== 0 || bytes[end - 1] !== 0) return false;
  return isAllZero(bytes.subarray(start, end));
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
    const zero = isZeroRange(chunk, pos, Math.min(pos + ZERO_GRAIN, chunk.length));
    if (!zero && runStart < 0) runStart = pos;
    if (zero && runStart >= 0) {
      writes.push(emit(chunk.subarray(runStart, pos), position + runStart));
      runStart = -1;
    }
  }
  if (runStart >= 0) writes.push(emit(chunk.subarray(runStart), position + runStart));
  return Promise.all(writes);
}

/**
 * Receives a run of the disk (and, with `beside`, the same run of that image); must start its I/O before it first
 * awaits (so emits keep their order).
 */
export type Emit = (data: Uint8Array, position: number, beside?: Uint8Array) => Promise<void>;

export interface PumpOptions extends JobControl {
  readonly phase: string;
  /** Also hash every byte of the virtual disk (zeros included) into this. */
  readonly hash?: Hash;
  /** Emit zero runs too (preallocated outputs). */
  readonly includeZeros?: boolean;
  /** Start here instead of at the disk's first byte (resize's look at what a shrink would cut off). */
  readonly from?: number;
  /**
   * A second image read over the same runs (a new child compared with its parent): every run where either holds
   * data is emitted whole, with the other's bytes beside it (zeros past its end).
   */
  readonly beside?: DiskImage;
}

/** A chunk's bytes, and with `beside` the other image's bytes of the same run. */
interface Loaded {
  readonly data: Uint8Array;
  readonly beside?: Uint8Array;
}

interface Chunk {
  readonly position: number;
  readonly length: number;
  readonly zero: boolean;
}

/** Holes in the source shorter than this are read with the data around them: one read costs more than the bytes. */
const SMALL_HOLE = 64 * 1024;
/** A data chunk may run this far past PUMP_CHUNK rather than leave a sliver for a read of its own. */
const CHUNK_SLACK = 64 * 1024;

/** The extents of [0, size) where `a` or `b` may hold data: zero only where both are. */
function unionOfData(a: readonly Extent[], b: readonly Extent[], size: number): Extent[] {
  const cuts = [...new Set([0, size, ...[...a, ...b].flatMap((e) => [e.offset, e.offset + e.length])])]
    .filter((c) => c >= 0 && c <= size)
    .sort((x, y) => x - y);
  const list: Extent[] = [];
  const [ia, ib] = [{ at: 0 }, { at: 0 }];
  const kindAt = (extents: readonly Extent[], index: { at: number }, pos: number): Extent['kind'] => {
    while (index.at < extents.length && extents[index.at]!.offset + extents[index.at]!.length <= pos) index.at++;
    const e = extents[index.at];
    return e && e.offset <= pos ? e.kind : 'zero';
  };
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [start, end] = [cuts[i]!, cuts[i + 1]!];
    const data = kindAt(a, ia, start) === 'data' || kindAt(b, ib, start) === 'data';
    pushExtent(list, start, end - start, data ? 'data' : 'zero');
  }
  return list;
}

/** `extents` with the small zero runs between data taken into the data (they are read, and found to be zeros). */
function withSmallHolesRead(extents: readonly Extent[]): Extent[] {
  const list: Extent[] = [];
  for (const [i, e] of extents.entries()) {
    const between =
      i > 0 && i < extents.length - 1 && extents[i - 1]!.kind === 'data' && extents[i + 1]!.kind === 'data';
    pushExtent(list, e.offset, e.length, e.kind === 'zero' && between && e.length < SMALL_HOLE ? 'data' : e.kind);
  }
  return list;
}

/**
 * The chunks to visit, lazily: memory stays flat however large the disk. Data is cut at multiples of PUMP_CHUNK (so
 * data that starts off the grid, as in a file's holes seen through an image's blocks, costs no extra reads), a
 * sliver at an extent's end joins the chunk before it, one at its start the chunk after it; zero extents nobody looks at are one chunk.
 */
function* chunksOf(extents: readonly Extent[], splitZeros: boolean): Generator<Chunk> {
  for (const extent of withSmallHolesRead(extents)) {
    const end = extent.offset + extent.length;
    const zero = extent.kind === 'zero';
    if (zero && !splitZeros) {
      yield { position: extent.offset, length: extent.length, zero };
      continue;
    }
    for (let pos = extent.offset; pos < end;) {
      let next = Math.min(end, (Math.floor(pos / PUMP_CHUNK) + 1) * PUMP_CHUNK);
      // So does a sliver before the grid: it joins the chunk after it.
      if (!zero && next - pos < CHUNK_SLACK && next < end) next = Math.min(end, next + PUMP_CHUNK);
      if (!zero && end - next <= CHUNK_SLACK && end - pos <= PUMP_CHUNK + CHUNK_SLACK) next = end;
      yield { position: pos, length: next - pos, zero };
      pos = next;
    }
  }
}

/** Chunks in flight at once: reads run ahead of the writes, several writes overlap (as qemu-img's coroutines do). */
export const PUMP_WINDOW = 4;
/** Known-zero chunks between two turns of the event loop (64 MiB of zeros). */
const ZERO_YIELD_EVERY = 64;

/**
 * Streams a disk's content to `emit` in order, skipping runs the source knows are zero and (unless
 * includeZeros) runs that read as zero. A ring of PUMP_WINDOW reused buffers: memory stays flat whatever the
 * disk size, and a buffer is read again only once the writes from it are done.
 */
export async function pumpContent(source: DiskImage, emit: Emit, options: PumpOptions): Promise<void> {
  const progress = progressReporter(options, options.phase, source.virtualSize - (options.from ?? 0));
  const { beside } = options;
  const slots = Array.from({ length: PUMP_WINDOW }, () => ({
    buffer: pageAlignedBuffer(PUMP_CHUNK + CHUNK_SLACK),
    besideBuffer: beside ? pageAlignedBuffer(PUMP_CHUNK + CHUNK_SLACK) : null,
    busy: Promise.resolve() as Promise<unknown>,
  }));
  const zeroNeeded = options.includeZeros === true || options.hash !== undefined;
  const load = async (chunk: Chunk, slot: (typeof slots)[number]): Promise<Loaded> => {
    // A known-zero chunk is only materialized when someone looks at its bytes.
    if (chunk.zero) return { data: zeroNeeded ? zeroChunk.subarray(0, chunk.length) : slot.buffer.subarray(0, 0) };
    const data = slot.buffer.subarray(0, chunk.length);
    if (!beside || !slot.besideBuffer) return source.read(data, chunk.position).then(() => ({ data }));
    const theirs = slot.besideBuffer.subarray(0, chunk.length);
    const inBeside = Math.max(0, Math.min(chunk.length, beside.virtualSize - chunk.position));
    theirs.fill(0, inBeside);
    await Promise.all([
      source.read(data, chunk.position),
      inBeside > 0 ? beside.read(theirs.subarray(0, inBeside), chunk.position) : null,
    ]);
    return { data, beside: theirs };
  };
  // Chunk i uses slot i % PUMP_WINDOW; its read waits until the writes from that slot's last chunk are done.
  const from = options.from ?? 0;
  const own = await source.extents();
  const all = beside ? unionOfData(own, await beside.extents(), source.virtualSize) : own;
  const extents = all.flatMap((e) =>
    e.offset + e.length <= from
      ? []
      : [{ ...e, offset: Math.max(e.offset, from), length: e.offset + e.length - Math.max(e.offset, from) }],
  );
  const chunks = chunksOf(extents, zeroNeeded);
  const pending: { chunk: Chunk; read: Promise<Loaded>; slot: (typeof slots)[number] }[] = [];
  let started = 0;
  let zeroChunks = 0;
  const readAhead = () => {
    while (pending.length < PUMP_WINDOW) {
      const next = chunks.next();
      if (next.done) return;
      const slot = slots[started++ % PUMP_WINDOW]!;
      const read = slot.busy.then(() => load(next.value, slot));
      read.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
      pending.push({ chunk: next.value, read, slot });
    }
  };
  readAhead();
  try {
    for (let item = pending.shift(); item; item = pending.shift()) {
      throwIfAborted(options.signal);
      const { chunk, read, slot } = item;
      const { data, beside: theirs } = await read;
      // Known-zero chunks need no I/O: let signals (Ctrl-C) and timers in between them, now and then.
      if (chunk.zero && (zeroChunks++ & (ZERO_YIELD_EVERY - 1)) === 0) await yieldToEventLoop();
      options.hash?.update(data);
      let writes: Promise<unknown> = Promise.resolve();
      if (theirs) writes = emit(data, chunk.position, theirs);
      else if (options.includeZeros) writes = emit(data, chunk.position);
      else if (!chunk.zero) writes = forEachDataRun(data, chunk.position, emit);
      writes.catch(() => undefined);
      slot.busy = writes;
      readAhead();
      progress.add(chunk.length);
    }
  } finally {
    // Let every started write finish (or fail) before the caller closes or removes the file.
    await Promise.allSettled(slots.map((s) => s.busy));
  }
  for (const slot of slots) await slot.busy;
  progress.finish();
}
