// Differencing VHDX children, written as Hyper-V writes them (docs/created-images.md): the parent's size, logical
// sector size and block size, a parent locator naming the parent's DataWriteGuid and paths, and whole blocks,
// "fully present" where a modified copy differs from the parent and "not present" (read from it) elsewhere.
import { PlatterError } from '../../errors';
import type { ChildOutput } from '../output';
import { writeChangedBlocks } from '../../ops/delta-content';
import { vhdxParentPaths } from '../../ops/parent-link';
import { newLocatorEntries } from './parent-locator';
import { setVhdxParent } from './set-parent-vhdx';
import { VhdxImage } from './vhdx-image';
import { VhdxWriter, checkVhdxLayout } from './vhdx-writer';
import type { DiskImage } from '../../image/disk-image';

function vhdxParent(parent: DiskImage): VhdxImage {
  if (!(parent instanceof VhdxImage))
    throw new PlatterError('UNSUPPORTED', `${parent.path} is not a VHDX`, 'a differencing VHDX needs a VHDX parent');
  return parent;
}

export const vhdxChildren: ChildOutput = {
  layout(parent, request) {
    const m = vhdxParent(parent).structure.metadata;
    const asked = request.logicalSectorSize;
    // Readers (Platter, Hyper-V) refuse a child whose logical sectors are not its parent's.
    if (asked !== undefined && asked !== m.logicalSectorSize)
      throw new PlatterError(
        'BAD_ARGUMENT',
        `a differencing VHDX has its parent's ${m.logicalSectorSize}-byte logical sectors, not ${asked}-byte ones`,
        `leave out --logical-sector (the child of ${parent.path} reads its parent's sectors)`,
      );
    const layout = {
      virtualSize: m.virtualSize,
      blockSize: request.blockSize ?? m.blockSize,
      logicalSectorSize: m.logicalSectorSize,
      physicalSectorSize: request.physicalSectorSize ?? m.physicalSectorSize ?? 4096,
    };
    checkVhdxLayout({ ...layout, type: 'dynamic' });
    return layout;
  },
  async write(file, target, layout, source, options) {
    const parent = vhdxParent(target.parent);
    const paths = vhdxParentPaths(target.childPath, target.parentPath);
    const parentLocator = newLocatorEntries(parent.structure.header.dataWriteGuid, paths);
    const writer = new VhdxWriter(file, { ...layout, type: 'dynamic', parentLocator });
    const changedBlocks = source ? await writeChangedBlocks(source, parent, writer, options) : 0;
    return { fileSize: await writer.finish(), identity: writer.identity.dataWriteGuid, changedBlocks };
  },
  setParent: setVhdxParent,
};
