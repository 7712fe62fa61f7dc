// Writing a new fixed or dynamic VHD (create and convert): the options a VHD records, then its content. And its
// differencing children, written as Hyper-V writes them (docs/created-images.md): an empty child, or one holding the
// sectors where a modified copy differs from its parent; and re-pointing one at its moved parent.
import { PlatterError } from '../../errors';
import type { ChildOutput, OutputDriver, OutputLayout, OutputRequest } from '../output';
import type { DiskImage } from '../../image/disk-image';
import { writeDeltaContent } from '../../ops/delta-content';
import { buildParentLink } from '../../ops/parent-link';
import { writeDynamicContent, writeFlatContent } from '../../ops/write-content';
import { DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE, MIN_CREATE_BLOCK_SIZE } from './dynamic-header';
import { isPowerOfTwo } from '../fields';
import { checkVirtualSize, endOfTable, newDynamicHeader, newFooter } from './new-vhd';
import { setVhdParent } from './set-parent-vhd';
import { SparseVhdWriter } from './sparse-vhd-writer';
import { VhdImage } from './vhd-image';

export function checkBlockSize(blockSize: number): void {
  if (!isPowerOfTwo(blockSize) || blockSize < MIN_CREATE_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      `the block size ${blockSize} is not a power of two from 512 KiB to 256 MiB`,
      'use 2M (the default) or 512K, the sizes Windows accepts',
    );
  }
}

/** Sector sizes are a VHDX field: a VHD or raw image always has 512-byte sectors. */
export function refuseSectorSizes(
  request: Pick<OutputRequest, 'logicalSectorSize' | 'physicalSectorSize'>,
  what: string,
): void {
  if ((request.logicalSectorSize ?? request.physicalSectorSize) !== undefined)
    throw new PlatterError(
      'BAD_ARGUMENT',
      `only a VHDX records sector sizes, not ${what}`,
      'leave out --logical-sector and --physical-sector, or make a .vhdx',
    );
}

function layout(request: OutputRequest): OutputLayout {
  refuseSectorSizes(request, 'a VHD');
  const { preset } = request;
  const virtualSize = preset ? preset.roundSize(request.size) : request.size;
  if (preset && virtualSize > preset.maxSize)
    throw new PlatterError(
      'BAD_SIZE',
      `the disk is ${virtualSize} bytes, more than ${preset.name} accepts`,
      'use a smaller disk',
    );
  // A fixed VHD for Azure may pass the 2040 GiB of the dynamic format (its preset says how far).
  if (!preset || preset.maxSize <= 2040 * 1024 ** 3) checkVirtualSize(virtualSize);
  const type = request.type ?? preset?.type ?? 'dynamic';
  const base = { virtualSize, diskType: type, logicalSectorSize: 512, physicalSectorSize: 512 } as const;
  if (type === 'fixed') {
    if (request.blockSize !== undefined)
      throw new PlatterError(
        'BAD_ARGUMENT',
        'a fixed VHD has no block size',
        'leave out --block-size, or make a dynamic VHD (--type dynamic)',
      );
    return { ...base, blockSize: null, preallocate: request.preallocate ?? false };
  }
  if (request.preallocate)
    throw new PlatterError(
      'BAD_ARGUMENT',
      '--preallocate applies to fixed VHD and raw outputs',
      'use --type fixed, or leave out --preallocate',
    );
  const blockSize = request.blockSize ?? preset?.blockSize ?? DEFAULT_BLOCK_SIZE;
  checkBlockSize(blockSize);
  return { ...base, blockSize, preallocate: false };
}

function vhdParent(parent: DiskImage): VhdImage {
  if (!(parent instanceof VhdImage))
    throw new PlatterError('UNSUPPORTED', `${parent.path} is not a VHD`, 'a differencing VHD needs a VHD parent');
  return parent;
}

export const vhdChildren: ChildOutput = {
  layout(parent, request) {
    refuseSectorSizes(request, 'a differencing VHD');
    const blockSize = request.blockSize ?? vhdParent(parent).structure.header?.blockSize ?? DEFAULT_BLOCK_SIZE;
    checkBlockSize(blockSize);
    return { virtualSize: parent.virtualSize, blockSize, logicalSectorSize: 512, physicalSectorSize: 512 };
  },
  async write(file, target, layout, source, options) {
    const parent = vhdParent(target.parent);
    const footer = newFooter(layout.virtualSize, 'differencing');
    const bare = newDynamicHeader(layout.virtualSize, layout.blockSize);
    const uuid = parent.structure.footer.uuid;
    const link = await buildParentLink(target.childPath, target.parentPath, uuid, endOfTable(bare));
    const header = { ...bare, ...link.header };
    if (!source) {
      const fileSize = await new SparseVhdWriter(file, footer, header, link).finish();
      return { fileSize, identity: footer.uuid, changedBlocks: 0 };
    }
    const written = await writeDeltaContent(file, source, parent, footer, header, link, options);
    return { ...written, identity: footer.uuid };
  },
  setParent: setVhdParent,
};

export const vhdOutput: OutputDriver = {
  layout,
  async write(file, source, l, pump) {
    const footer = newFooter(l.virtualSize, l.diskType === 'fixed' ? 'fixed' : 'dynamic');
    const fileSize =
      l.blockSize === null
        ? await writeFlatContent(file, source, l.virtualSize, footer, { ...pump, preallocate: l.preallocate })
        : await writeDynamicContent(file, source, footer, newDynamicHeader(l.virtualSize, l.blockSize), pump);
    return { fileSize, identity: footer.uuid };
  },
  children: vhdChildren,
};
