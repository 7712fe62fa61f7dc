// Writing a new dynamic or fixed VDI (create and convert): what a VDI records, then its content through the pump.
import { PlatterError } from '../../errors';
import { writeBlockContent } from '../../ops/write-content';
import { alignUp } from '../fields';
import type { OutputDriver, OutputLayout } from '../output';
import { refuseSectorSizes } from '../vhd/output';
import { SECTOR_SIZE } from './header';
import { VDI_BLOCK_SIZE, VdiWriter, checkVdiLayout } from './vdi-writer';

function toVdiLayout(l: OutputLayout): { virtualSize: number; type: 'fixed' | 'dynamic' } {
  return { virtualSize: l.virtualSize, type: l.diskType === 'fixed' ? 'fixed' : 'dynamic' };
}

export const vdiOutput: OutputDriver = {
  layout(request) {
    refuseSectorSizes(request, 'a VDI');
    if (request.preallocate)
      throw new PlatterError(
        'BAD_ARGUMENT',
        '--preallocate applies to fixed VHD and raw outputs',
        'leave out --preallocate (a fixed VDI has every block in place; its zeros stay holes in the file)',
      );
    if (request.blockSize !== undefined && request.blockSize !== VDI_BLOCK_SIZE)
      throw new PlatterError(
        'BAD_ARGUMENT',
        `a VDI is written with 1 MiB blocks, not ${request.blockSize} bytes (qemu-img reads no other size)`,
        'leave out --block-size, or use --block-size 1M',
      );
    const { preset } = request;
    const size = preset ? preset.roundSize(request.size) : request.size;
    const layout: OutputLayout = {
      // A converted disk ends on a whole sector (the source is padded with zeros); a created one must ask for one.
      virtualSize: request.roundUp ? alignUp(size, SECTOR_SIZE) : size,
      diskType: request.type ?? preset?.type ?? 'dynamic',
      blockSize: VDI_BLOCK_SIZE,
      preallocate: false,
      logicalSectorSize: 512,
      physicalSectorSize: 512,
    };
    checkVdiLayout(toVdiLayout(layout));
    return layout;
  },
  async write(file, source, l, pump) {
    const writer = new VdiWriter(file, toVdiLayout(l));
    const fileSize = await writeBlockContent(source, writer, pump);
    return { fileSize, identity: writer.identity.uuid };
  },
};
