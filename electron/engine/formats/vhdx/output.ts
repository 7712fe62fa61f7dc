// Writing a new fixed or dynamic VHDX (create and convert): the options a VHDX records, then its content; and its
// differencing children (child-output.ts).
import { PlatterError } from '../../errors';
import { vhdxChildren } from './child-output';
import type { OutputDriver, OutputLayout } from '../output';
import { writeBlockContent } from '../../ops/write-content';
import { alignUp } from '../fields';
import { DEFAULT_VHDX_BLOCK_SIZE, VhdxWriter, checkVhdxLayout } from './vhdx-writer';
import type { VhdxLayout } from './vhdx-writer';

function toVhdxLayout(l: OutputLayout): VhdxLayout {
  return { ...l, type: l.diskType === 'fixed' ? 'fixed' : 'dynamic', blockSize: l.blockSize! };
}

export const vhdxOutput: OutputDriver = {
  layout(request) {
    if (request.preallocate)
      throw new PlatterError(
        'BAD_ARGUMENT',
        '--preallocate applies to fixed VHD and raw outputs',
        'leave out --preallocate (a fixed VHDX holds every block already)',
      );
    const { preset } = request;
    const logicalSectorSize = request.logicalSectorSize ?? preset?.logicalSectorSize ?? 512;
    const size = preset ? preset.roundSize(request.size) : request.size;
    const layout: OutputLayout = {
      // A converted disk ends on a whole sector (the source is padded with zeros); a created one must ask for one.
      virtualSize: request.roundUp ? alignUp(size, logicalSectorSize) : size,
      diskType: request.type ?? preset?.type ?? 'dynamic',
      blockSize: request.blockSize ?? preset?.blockSize ?? DEFAULT_VHDX_BLOCK_SIZE,
      preallocate: false,
      logicalSectorSize,
      physicalSectorSize: request.physicalSectorSize ?? preset?.physicalSectorSize ?? 4096,
    };
    checkVhdxLayout(toVhdxLayout(layout));
    return layout;
  },
  async write(file, source, l, pump) {
    const writer = new VhdxWriter(file, toVhdxLayout(l));
    const fileSize = await writeBlockContent(source, writer, pump);
    return { fileSize, identity: writer.identity.dataWriteGuid };
  },
  children: vhdxChildren,
};
