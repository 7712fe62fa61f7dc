// Writing a new qcow2 image (create and convert): version 3, 64 KiB clusters unless asked otherwise, zlib
// compression when asked; what it cannot record is refused with the option to leave out.
import { OUTPUT_OPTIONS } from '../../../../shared/formats';
import { PlatterError } from '../../errors';
import { writeBlockContent } from '../../ops/write-content';
import { alignUp, isPowerOfTwo } from '../fields';
import type { OutputDriver, OutputLayout, OutputRequest } from '../output';
import { refuseSectorSizes } from '../vhd/output';
import { Qcow2Writer } from './qcow2-writer';

const OPTIONS = OUTPUT_OPTIONS.qcow2;
const CLUSTERS = OPTIONS.blockSizes!;

/** The largest disk qemu opens with `clusterSize` clusters: its L1 table (32 MiB) and refcount table (8 MiB) limits. */
export function qcow2MaxSize(clusterSize: number): number {
  const byL1 = ((32 * 1024 * 1024) / 8) * (clusterSize / 8) * clusterSize;
  // Refcount blocks of 16-bit entries; half of what they cover, to leave room for the metadata itself.
  const byRefcounts = (((8 * 1024 * 1024) / 8) * (clusterSize / 2) * clusterSize) / 2;
  return Math.min(byL1, byRefcounts, OPTIONS.maxSize);
}

function refuse(what: string, remedy: string): never {
  throw new PlatterError('BAD_ARGUMENT', what, remedy);
}

function layout(request: OutputRequest): OutputLayout {
  refuseSectorSizes(request, 'a qcow2 image');
  if (request.type === 'fixed')
    refuse(
      'a qcow2 image has no fixed type (it grows as it is written)',
      'leave out --type, or make a fixed VHD or VHDX',
    );
  if (request.preallocate)
    refuse('--preallocate applies to fixed VHD and raw outputs', 'leave out --preallocate for a qcow2 image');
  const clusterSize = request.blockSize ?? request.preset?.blockSize ?? CLUSTERS.default;
  if (!isPowerOfTwo(clusterSize) || clusterSize < CLUSTERS.min || clusterSize > CLUSTERS.max)
    refuse(
      `the qcow2 cluster size ${clusterSize} is not a power of two from 512 bytes to 2 MiB`,
      'use 64K (the default, as qemu), or leave out --block-size',
    );
  const asked = request.preset ? request.preset.roundSize(request.size) : request.size;
  const size = request.roundUp ? alignUp(asked, 512) : asked;
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0)
    throw new PlatterError(
      'BAD_SIZE',
      `the size ${size} is not a positive multiple of 512 bytes`,
      `use ${alignUp(Math.max(size, 1), 512)} (the next whole sector)`,
    );
  if (size > qcow2MaxSize(clusterSize))
    throw new PlatterError(
      'BAD_SIZE',
      `a qcow2 image of ${clusterSize}-byte clusters holds at most ${qcow2MaxSize(clusterSize)} bytes`,
      'choose a larger --block-size or a smaller disk',
    );
  return {
    virtualSize: size,
    diskType: 'dynamic',
    blockSize: clusterSize,
    preallocate: false,
    logicalSectorSize: 512,
    physicalSectorSize: 512,
    compress: request.compress ?? false,
  };
}

export const qcow2Output: OutputDriver = {
  formatOptions: ['compress'],
  layout,
  async write(file, source, l, pump) {
    const writer = new Qcow2Writer(file, {
      virtualSize: l.virtualSize,
      clusterSize: l.blockSize!,
      compress: l.compress ?? false,
    });
    return { fileSize: await writeBlockContent(source, writer, pump), identity: null };
  },
};
