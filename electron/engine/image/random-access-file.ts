import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PlatterError, fromFsError } from '../errors';

/** A file opened for positional I/O whose errors name the path. Reads never go past the end silently. */
export class RandomAccessFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private currentSize: number,
    readonly writable: boolean,
  ) {}

  static async open(path: string, mode: 'r' | 'r+' = 'r'): Promise<RandomAccessFile> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, mode);
      const stat = await handle.stat();
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (!stat.isFile() && !stat.isBlockDevice()) {
        throw new PlatterError('NOT_A_FILE', `${path} is not a regular file`, 'give the path of an image file', {
          path,
        });
      }
      return new RandomAccessFile(path, handle, stat.size, mode === 'r+');
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw fromFsError(err, path);
    }
  }

  /** Wraps an already-open handle (used by writers that created the file). */
  static async fromHandle(path: string, handle: FileHandle): Promise<RandomAccessFile> {
    const stat = await handle.stat();
    return new RandomAccessFile(path, handle, stat.size, true);
  }

  get size(): number {
    return this.currentSize;
  }

  /** Fills `target` from `position`; a read past the end of the file is a VHD_TRUNCATED error. */
  async read(target: Uint8Array, position: number): Promise<void> {
    if (position < 0 || position + target.length > this.currentSize) {
      throw new PlatterError(
        'VHD_TRUNCATED',
        `${this.path} is shorter than its structures say: a read at ${position} of ${target.length} bytes passes its end (${this.currentSize} bytes)`,
        'the file was cut short (an interrupted copy or download); copy it again',
        { path: this.path, offset: position },
      );
    }
    let done = 0;
    try {
      while (done < target.length) {
        const { bytesRead } = await this.handle.read(target, done, target.length - done, position + done);
        if (bytesRead === 0) throw new Error('unexpected end of file');
        done += bytesRead;
      }
    } catch (err) {
      throw fromFsError(err, this.path);
    }
  }

  /** Reads `length` bytes at `position` into a new buffer. */
  async readAt(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    await this.read(buffer, position);
    return buffer;
  }

  async write(source: Uint8Array, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < source.length) {
        const { bytesWritten } = await this.handle.write(source, done, source.length - done, position + done);
        done += bytesWritten;
      }
    } catch (err) {
      throw fromFsError(err, this.path);
    }
    this.currentSize = Math.max(this.currentSize, position + source.length);
  }

  async truncate(length: number): Promise<void> {
    try {
      await this.handle.truncate(length);
    } catch (err) {
      throw fromFsError(err, this.path);
    }
    this.currentSize = length;
  }

  async sync(): Promise<void> {
    try {
      await this.handle.sync();
    } catch (err) {
      throw fromFsError(err, this.path);
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
