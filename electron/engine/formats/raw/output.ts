// Writing a raw disk image: the disk's bytes and nothing else (zero runs stay holes unless preallocated).
import { PlatterError } from '../../errors';
import type { OutputDriver } from '../output';
import { writeFlatContent } from '../../ops/write-content';
import { refuseSectorSizes } from '../vhd/output';

export const rawOutput: OutputDriver = {
  layout(request) {
    refuseSectorSizes(request, 'a raw image');
    if (request.blockSize !== undefined)
      throw new PlatterError(
        'BAD_ARGUMENT',
        'a raw image has no block size',
        'leave out --block-size, or convert to a dynamic VHD or VHDX',
      );
    return {
      virtualSize: request.size,
      diskType: null,
      blockSize: null,
      preallocate: request.preallocate ?? false,
      logicalSectorSize: 512,
      physicalSectorSize: 512,
    };
  },
  async write(file, source, l, pump) {
    const fileSize = await writeFlatContent(file, source, l.virtualSize, null, { ...pump, preallocate: l.preallocate });
    return { fileSize, identity: null };
  },
};
