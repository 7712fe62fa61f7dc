import { constants } from 'node:fs';
import { open, statfs } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PlatterError, fromFsError } from '../errors';
import { blockDeviceSize } from './device-size';
import { claimForChange, holdAgainstWriters, otherUse } from './image-lock';
import type { OtherUse } from './image-lock';
import { pushExtent } from '../image/disk-image';
import type { Extent } from '../image/disk-image';
import { nativeAddon } from './native-addon';
import { fileExtents } from './sparse-seek';

/** Without range writeback: written bytes after which a background flush starts (see `flushEarly`). */
const EARLY_FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * O_NONBLOCK so that opening a FIFO returns at once (and is then refused as not a file) instead of waiting for a
 * writer forever; it changes nothing for regular files and block devices. Windows has no such flag.
 */
const OPEN_FLAGS = { r: constants.O_RDONLY, 'r+': constants.O_RDWR } as const;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * Test-only crash hook for test/unit/kill: PLATTER_TEST_KILL_AFTER_WRITES=N makes the process SIGKILL itself right
 * after its Nth write or truncate, so crash safety can be checked at exact points. Never set outside those tests.
 */
const killAfterWrites = Number(process.env.PLATTER_TEST_KILL_AFTER_WRITES ?? 0);
let writesDone = 0;
function countWrite(): void {
  if (killAfterWrites > 0 && ++writesDone >= killAfterWrites) process.kill(process.pid, 'SIGKILL');
}

/** How an open keeps other programs in mind: see `RandomAccessFile.open`. */
export type FileGuard = 'claim' | 'consistent' | 'none';

/** statfs types of the file systems that keep files in memory only (Linux tmpfs and ramfs). */
const IN_MEMORY_FILE_SYSTEMS = new Set([0x01021994, 0x858458f6]);

async function inMemoryFileSystem(path: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    return IN_MEMORY_FILE_SYSTEMS.has((await statfs(path)).type);
  } catch {
    return false;
  }
}

/** The refusal of an in-place change to a device (a whole disk or a partition), which only ever is a source. */
export function deviceNotChanged(path: string): PlatterError {
  return new PlatterError(
    'NOT_A_FILE',
    `${path} is a device, and Platter changes only image files`,
    'convert the device into an image file first, then work on that file',
    { path },
  );
}

/** A file opened for positional I/O whose errors name the path. Reads never go past the end silently. */
export class RandomAccessFile {
  private unflushed = 0;
  /** Whether range writeback is used; turned off where it proves unavailable (periodic fdatasync then). */
  private rangeWriteback = process.platform === 'linux' && nativeAddon() !== null;
  /** On a file system kept in memory (tmpfs): nothing to write back early. */
  private inMemory = false;
  /** The range written since the last range writeback call. */
  private pendingStart = Infinity;
  private pendingEnd = 0;
  private draining = false;
  private flushing: Promise<void> | null = null;
  private flushError: unknown = null;
  /** Ends this file's claim on the image (see image-lock.ts), when it made one. */
  private releaseClaim: () => void = () => undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private currentSize: number,
    readonly writable: boolean,
    /** The name errors give: a temporary output is named by the file it becomes. */
    private readonly shownAs: string = path,
  ) {}

  /**
   * Opens `path`. The guard (image-lock.ts): 'claim', the default for 'r+', first makes sure no other program uses
   * the image and holds it against them until the file is closed, as an in-place change must; 'consistent' refuses
   * a file another program is writing and keeps others from writing it until it is closed, as a source whose
   * content is copied or hashed must.
   */
  static async open(
    path: string,
    mode: 'r' | 'r+' = 'r',
    guard: FileGuard = mode === 'r+' ? 'claim' : 'none',
  ): Promise<RandomAccessFile> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, OPEN_FLAGS[mode] | NONBLOCK);
      const stat = await handle.stat();
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!stat.isFile() && !stat.isBlockDevice()) {
        throw new PlatterError('NOT_A_FILE', `${path} is not a regular file`, 'give the path of an image file', {
          path,
        });
      }
      // Sources are read; nothing Platter does in place should ever write to a whole disk or a partition.
      if (stat.isBlockDevice() && mode === 'r+') throw deviceNotChanged(path);
      const size = stat.isBlockDevice() ? await blockDeviceSize(handle.fd, stat.rdev, path) : stat.size;
      const file = new RandomAccessFile(path, handle, size, mode === 'r+');
      if (guard === 'claim') file.releaseClaim = claimForChange(handle.fd, path, stat);
      else if (guard === 'consistent') holdAgainstWriters(handle.fd, path, stat);
      return file;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw fromFsError(err, path);
    }
  }

  /** Wraps an already-open handle (used by writers that created the file), named in errors as `shownAs`. */
  static async fromHandle(path: string, handle: FileHandle, shownAs = path): Promise<RandomAccessFile> {
    const stat = await handle.stat();
    const file = new RandomAccessFile(path, handle, stat.size, true, shownAs);
    // A file system kept in memory has no disk to keep busy: writing back would cost a thread-pool trip per write.
    file.inMemory = await inMemoryFileSystem(path);
    return file;
  }

  /** How another program holds this file (image-lock.ts), for `info`. */
  otherUse(): OtherUse {
    return otherUse(this.handle.fd);
  }

  get size(): number {
    return this.currentSize;
  }

  /** The path errors name: for a temporary output, the file it becomes (a VMDK's descriptor names it so). */
  get shownPath(): string {
    return this.shownAs;
  }

  /** Data and hole extents of the first `length` bytes (all data where the system cannot tell). */
  extents(length: number): Extent[] {
    const inFile = Math.min(length, this.currentSize);
    const list =
      fileExtents(this.handle.fd, inFile) ?? (inFile > 0 ? [{ offset: 0, length: inFile, kind: 'data' as const }] : []);
    if (length > inFile) pushExtent(list, inFile, length - inFile, 'zero');
    return list;
  }

  /** Fills `target` from `position`; a read past the end of the file is a VHD_TRUNCATED error. */
  async read(target: Uint8Array, position: number): Promise<void> {
    this.checkRange(position, target.length);
    let done = 0;
    try {
      while (done < target.length) {
        const { bytesRead } = await this.handle.read(target, done, target.length - done, position + done);
        if (bytesRead === 0) throw new Error('unexpected end of file');
        done += bytesRead;
      }
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    }
  }

  /**
   * Fills `parts` in turn from the bytes at `position` on, in one vectored read where the system gives it (a
   * structure and the data after it: one request instead of two). Same end-of-file rule as `read`.
   */
  async readParts(parts: readonly Uint8Array[], position: number): Promise<void> {
    const total = parts.reduce((n, p) => n + p.length, 0);
    this.checkRange(position, total);
    let done: number;
    try {
      ({ bytesRead: done } = await this.handle.readv(parts as Uint8Array[], position));
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    }
    // A short read (rare: a signal, a file system's limit) is finished part by part.
    let at = 0;
    for (const part of parts) {
      const filled = Math.min(part.length, Math.max(0, done - at));
      if (filled < part.length) await this.read(part.subarray(filled), position + at + filled);
      at += part.length;
    }
  }

  /** Reads `length` bytes at `position` into a new buffer, allocated only once the range is known to be in the file. */
  async readAt(position: number, length: number): Promise<Uint8Array> {
    this.checkRange(position, length);
    const buffer = new Uint8Array(length);
    await this.read(buffer, position);
    return buffer;
  }

  private checkRange(position: number, length: number): void {
    const valid = Number.isSafeInteger(position) && Number.isSafeInteger(length) && position >= 0 && length >= 0;
    if (!valid || position + length > this.currentSize) {
      throw new PlatterError(
        'VHD_TRUNCATED',
        `${this.shownAs} is shorter than its structures say: a read at ${position} of ${length} bytes passes its end (${this.currentSize} bytes)`,
        'the file was cut short (an interrupted copy or download); copy it again',
        { path: this.shownAs, offset: position },
      );
    }
  }

  async write(source: Uint8Array, position: number): Promise<void> {
    try {
      await this.writeFully(source, position);
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    }
    this.written(position, source.length);
  }

  /** Writes `parts` one after the other from `position`, in one vectored write where the system gives it. */
  async writeParts(parts: readonly Uint8Array[], position: number): Promise<void> {
    let total = 0;
    try {
      const { bytesWritten } = await this.handle.writev(parts as Uint8Array[], position);
      // A short write (rare) is finished part by part.
      for (const part of parts) {
        const done = Math.min(part.length, Math.max(0, bytesWritten - total));
        if (done < part.length) await this.writeFully(part.subarray(done), position + total + done);
        total += part.length;
      }
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    }
    this.written(position, total);
  }

  private async writeFully(source: Uint8Array, position: number): Promise<void> {
    for (let done = 0; done < source.length;) {
      const { bytesWritten } = await this.handle.write(source, done, source.length - done, position + done);
      done += bytesWritten;
    }
  }

  private written(position: number, length: number): void {
    this.currentSize = Math.max(this.currentSize, position + length);
    this.startWriteback(position, length);
    countWrite();
  }

  /**
   * Keeps the disk busy while the copy goes on, so the final sync has little left to wait for: a large output
   * would otherwise pile up gigabytes of dirty pages and then stall in it. Range writeback (Linux
   * sync_file_range, on a worker thread: it can block while the device queue is full) only starts the writes and
   * asks no disk-cache flush of the device. One call at a time; ranges written meanwhile join the next one.
   */
  private startWriteback(position: number, length: number): void {
    if (this.inMemory) return;
    if (this.rangeWriteback) {
      this.pendingStart = Math.min(this.pendingStart, position);
      this.pendingEnd = Math.max(this.pendingEnd, position + length);
      if (!this.flushing) this.writeBackPending();
      return;
    }
    // Elsewhere a background fdatasync every EARLY_FLUSH_BYTES.
    this.unflushed += length;
    if (this.unflushed >= EARLY_FLUSH_BYTES && !this.flushing) this.flushEarly();
  }

  private writeBackPending(): void {
    const addon = nativeAddon();
    if (!addon || this.draining || this.pendingEnd === 0) return;
    const [start, end] = [this.pendingStart, this.pendingEnd];
    this.pendingStart = Infinity;
    this.pendingEnd = 0;
    this.flushing = addon
      .writeback(this.handle.fd, start, end - start)
      .then(
        (started) => {
          if (!started) this.rangeWriteback = false;
        },
        () => undefined, // an I/O error surfaces, with its cause, at the final sync
      )
      .finally(() => {
        this.flushing = null;
        this.writeBackPending();
      });
  }

  private flushEarly(): void {
    this.unflushed = 0;
    this.flushing = this.handle
      .datasync()
      .catch((err: unknown) => {
        this.flushError ??= err;
      })
      .finally(() => {
        this.flushing = null;
      });
  }

  /** Waits for the background writeback or flush, and starts no more (the fd may be closed next). */
  private async settle(): Promise<void> {
    this.draining = true;
    while (this.flushing) await this.flushing;
  }

  async truncate(length: number): Promise<void> {
    try {
      await this.handle.truncate(length);
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    }
    this.currentSize = length;
    countWrite();
  }

  async sync(): Promise<void> {
    try {
      await this.settle();
      if (this.flushError) throw this.flushError;
      await this.handle.sync();
    } catch (err) {
      throw fromFsError(err, this.shownAs);
    } finally {
      this.draining = false;
    }
  }

  async close(): Promise<void> {
    await this.settle();
    await this.handle.close().catch(() => undefined);
    this.releaseClaim();
  }
}
