import { SECTOR } from '../fields';
import { checkReadRange } from '../../image/disk-image';
import type { DiskImage, Extent } from '../../image/disk-image';
import type { RandomAccessFile } from '../../io/random-access-file';

/** A raw image: the file is the disk. Its virtual size is the file size rounded up to a whole sector. */
export class RawImage implements DiskImage {
  readonly format = 'raw' as const;
  readonly virtualSize: number;

  constructor(private readonly file: RandomAccessFile) {
    this.virtualSize = Math.ceil(file.size / SECTOR) * SECTOR;
  }

  get path(): string {
    return this.file.path;
  }

  /** Bytes of zero padding added to reach a whole sector. */
  get paddedBytes(): number {
    return this.virtualSize - this.file.size;
  }

  async read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    const inFile = Math.max(0, Math.min(target.length, this.file.size - position));
    if (inFile > 0) await this.file.read(target.subarray(0, inFile), position);
    target.fill(0, inFile);
  }

  async extents(): Promise<Extent[]> {
    return this.file.extents(this.virtualSize);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
