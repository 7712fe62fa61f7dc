// A VHDX file as it reads once its log is replayed, without writing to it: every read of the file passes through
// the updates of the log's active sequence, applied in order. Read-only operations (info, hash, convert) see the
// content Hyper-V and qemu-img would see after their replay, and the file stays as it is.
import { PlatterError, namingPath } from '../../errors';
import { DAMAGED } from './fields';
import { selectHeader, HEADER_OFFSETS, HEADER_SIZE } from './header';
import { NIL_GUID } from './guid';
import { replayFor } from './log';
import type { LogReplay } from './log';

/** What a VHDX is read through: a file, or that file with its log replayed over it. */
export interface VhdxFile {
  readonly path: string;
  readonly size: number;
  /** The log replayed over the file's bytes, when it held updates. */
  readonly replay?: LogReplay | null;
  read(target: Uint8Array, position: number): Promise<void>;
  readAt(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The largest log read into memory to replay (Hyper-V writes 1 MiB; the format allows up to 4 GiB). */
const MAX_REPLAYED_LOG = 64 * 1024 * 1024;

export class ReplayedVhdxFile implements VhdxFile {
  readonly size: number;

  constructor(
    private readonly file: VhdxFile,
    readonly replay: LogReplay,
  ) {
    this.size = Math.max(file.size, replay.lastFileOffset);
  }

  get path(): string {
    return this.file.path;
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    const end = position + target.length;
    const inFile = Math.max(0, Math.min(end, this.file.size) - position);
    if (end > this.size) await this.file.read(target, position); // fails as a read past the end does
    if (inFile > 0) await this.file.read(target.subarray(0, inFile), position);
    target.fill(0, inFile);
    for (const write of this.replay.writes) {
      const length = 'data' in write ? write.data.length : write.zeroLength;
      const from = Math.max(position, write.offset);
      const to = Math.min(end, write.offset + length);
      if (from >= to) continue;
      if ('data' in write) target.set(write.data.subarray(from - write.offset, to - write.offset), from - position);
      else target.fill(0, from - position, to - position);
    }
  }

  async readAt(position: number, length: number): Promise<Uint8Array> {
    if (position + length > this.size) return this.file.readAt(position, length); // the plain file's error
    const bytes = new Uint8Array(length);
    await this.read(bytes, position);
    return bytes;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** `file` as a reader sees it: with its log replayed over it when the current header says the log holds updates. */
export function withLogReplayed(file: VhdxFile): Promise<VhdxFile> {
  return namingPath(file.path, () => replayed(file));
}

async function replayed(file: VhdxFile): Promise<VhdxFile> {
  if (file.size < HEADER_OFFSETS[1] + HEADER_SIZE) return file;
  const { header } = selectHeader(
    await file.readAt(HEADER_OFFSETS[0], HEADER_SIZE),
    await file.readAt(HEADER_OFFSETS[1], HEADER_SIZE),
  );
  if (header.logGuid === NIL_GUID || header.logLength === 0) return file;
  if (header.logLength > MAX_REPLAYED_LOG || header.logOffset + header.logLength > file.size) {
    throw new PlatterError(
      'VHDX_LOG_INVALID',
      `the VHDX log at ${header.logOffset} (${header.logLength} bytes) is larger than any real log or runs past the end of the file`,
      DAMAGED,
      { offset: header.logOffset },
    );
  }
  const log = await file.readAt(header.logOffset, header.logLength);
  return new ReplayedVhdxFile(file, replayFor(header, log, file.size));
}
