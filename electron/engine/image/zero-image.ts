import { checkReadRange } from './disk-image';
import type { DiskImage, Extent } from './disk-image';

/** A disk that reads as zeros throughout: the source a new, empty image is written from. */
export class ZeroImage implements DiskImage {
  readonly format = 'raw' as const;
  readonly path = '(empty disk)';

  constructor(readonly virtualSize: number) {}

  read(target: Uint8Array, position: number): Promise<void> {
    checkReadRange(this, target.length, position);
    target.fill(0);
    return Promise.resolve();
  }

  extents(): Promise<Extent[]> {
    return Promise.resolve(this.virtualSize > 0 ? [{ offset: 0, length: this.virtualSize, kind: 'zero' }] : []);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
