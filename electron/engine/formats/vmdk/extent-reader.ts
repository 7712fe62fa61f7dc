// One extent of a VMDK, as the image reads it: its bytes at an offset within the extent, and what it holds as runs.
// Sparse extents are in sparse-extent.ts; flat (FLAT, VMFS) and ZERO extents here.
import type { ExtentFile } from './ova';

/** A run within an extent: held in the file, zeros, or what lies beneath (the parent, or zeros). */
export interface Run {
  readonly offset: number;
  length: number;
  readonly kind: 'data' | 'zero' | 'beneath';
}

export interface ExtentReader {
  /** Virtual bytes the extent covers. */
  readonly bytes: number;
  /** Fills `target` from `offset` within the extent; `beneath` fills what this extent does not hold. */
  read(target: Uint8Array, offset: number, beneath: (segment: Uint8Array, at: number) => Promise<void>): Promise<void>;
  runs(): Promise<Run[]>;
  close(): Promise<void>;
}

/** A flat extent: the extent's bytes lie in the file from `start` on (a hole in the file is a zero run). */
export class FlatExtent implements ExtentReader {
  constructor(
    readonly file: ExtentFile,
    readonly start: number,
    readonly bytes: number,
  ) {}

  async read(target: Uint8Array, offset: number): Promise<void> {
    await this.file.read(target, this.start + offset);
  }

  runs(): Promise<Run[]> {
    const list: Run[] = [];
    const end = this.start + this.bytes;
    const inFile = Math.min(end, this.file.size);
    for (const e of this.file.extents(inFile)) {
      const from = Math.max(e.offset, this.start);
      const to = Math.min(e.offset + e.length, end);
      if (to > from) list.push({ offset: from - this.start, length: to - from, kind: e.kind });
    }
    // A flat file cut short is not zeros: the part past its end is data, whose read names the truncation.
    const missing = Math.max(inFile, this.start);
    if (end > missing) list.push({ offset: missing - this.start, length: end - missing, kind: 'data' });
    return Promise.resolve(list);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** A ZERO extent, or a NOACCESS one (which no guest may read: zeros, as qemu gives). */
export class ZeroExtent implements ExtentReader {
  constructor(readonly bytes: number) {}

  read(target: Uint8Array): Promise<void> {
    target.fill(0);
    return Promise.resolve();
  }

  runs(): Promise<Run[]> {
    return Promise.resolve([{ offset: 0, length: this.bytes, kind: 'zero' }]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
