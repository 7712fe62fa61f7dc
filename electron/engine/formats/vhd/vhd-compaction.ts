// Compacting a dynamic or differencing VHD: every block kept is copied into a new file, packed in order, with the
// footer, header, locators and identity of the old one (docs/chains-merge-resize.md).
import { PlatterError } from '../../errors';
import type { DiskImage } from '../../image/disk-image';
import { estimateCompaction, rewriteSparse } from '../../ops/sparse-rewrite';
import type { Compaction } from '../driver';
import { UNALLOCATED } from './bat';
import { VhdImage } from './vhd-image';

/** The image as a dynamic or differencing VHD with its block table; a fixed one is refused. */
function sparseVhd(image: DiskImage): VhdImage & { structure: { bat: Uint32Array } } {
  if (!(image instanceof VhdImage)) throw new TypeError(`${image.path} was not opened as a VHD`);
  if (!image.structure.header || !image.structure.bat) {
    throw new PlatterError(
      'NOT_COMPACTABLE',
      `${image.path} is a fixed VHD, which always holds every byte`,
      'convert it to a dynamic VHD to reclaim space: `platter convert IN OUT.vhd --type dynamic`',
    );
  }
  return image as VhdImage & { structure: { bat: Uint32Array } };
}

export const vhdCompaction: Compaction = {
  blocksHeld: (image) => sparseVhd(image).structure.bat.reduce((n, e) => (e === UNALLOCATED ? n : n + 1), 0),
  blockMap(image) {
    const { bat, header } = sparseVhd(image).structure;
    return { blockSize: header!.blockSize, held: (block) => block < bat.length && bat[block] !== UNALLOCATED };
  },
  estimate: (image, control, free) => estimateCompaction(sparseVhd(image), control, free),
  rewrite: (file, image, control, free) =>
    rewriteSparse(file, sparseVhd(image), control, { dropZeroBlocks: true, phase: 'compacting', free }),
};
