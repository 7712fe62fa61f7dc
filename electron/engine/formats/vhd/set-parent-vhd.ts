// Re-pointing a differencing VHD at its moved parent: a new parent name and locators, nothing else.
import { PlatterError } from '../../errors';
import { DYNAMIC_HEADER_SIZE, serializeDynamicHeader } from './dynamic-header';
import { SECTOR, alignUp } from '../fields';
import { serializeFooter } from './footer';
import { probeVhd, readVhdUuid } from './probe';
import { RandomAccessFile } from '../../io/random-access-file';
import { readVhdStructure } from './vhd-structure';
import { buildParentLink } from '../../ops/parent-link';
import { changeUnderUndo } from '../../io/undo-journal';

/**
 * Points a differencing child at its parent's new location: rewrites the parent name and locators, nothing else.
 * The new locator data goes to fresh space at the end and the header is rewritten last, under an undo journal:
 * an error restores the child exactly, and a kill leaves it pointing at the old or the new path (the next open
 * rolls an unfinished change back).
 */
export async function setVhdParent(child: string, parent: string): Promise<string> {
  const file = await RandomAccessFile.open(child, 'r+');
  try {
    if (!(await probeVhd(file)))
      throw new PlatterError('UNSUPPORTED', `${child} is not a VHD`, 'set-parent works on differencing VHDs');
    const s = await readVhdStructure(file);
    if (s.footer.diskType !== 'differencing' || !s.header) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${child} is a ${s.footer.diskType} disk, which has no parent`,
        'give the path of a differencing (child) VHD',
      );
    }
    if (s.footerSource !== 'end') {
      throw new PlatterError(
        'VHD_BAD_FOOTER',
        `the footer at the end of ${child} is damaged`,
        'repair it first with `platter check --repair`',
      );
    }
    const expected = s.header.parentUuid;
    const found = await readVhdUuid(parent).catch(() => null);
    if (found === null)
      throw new PlatterError(
        'VHD_PARENT_MISMATCH',
        `${parent} is not a readable VHD`,
        `give the VHD whose UUID is ${expected}`,
      );
    if (found !== expected) {
      const whose = found === s.footer.uuid ? 'the child itself' : `a different disk (UUID ${found})`;
      throw new PlatterError(
        'VHD_PARENT_MISMATCH',
        `${parent} is ${whose}, but ${child} was made from the disk with UUID ${expected}`,
        `give the parent this child was made from (UUID ${expected}); a different disk would corrupt what the child reads`,
        { path: child, expectedUuid: expected, foundUuid: found },
      );
    }
    const oldEnd = file.size - s.endFooterLength;
    const link = await buildParentLink(child, parent, expected, alignUp(oldEnd, SECTOR));
    const footer = serializeFooter(s.footer);
    const header = { ...s.header, ...link.header, parentTimestamp: s.header.parentTimestamp };
    // Under an undo journal of the header and of everything past the old data (the footer moves), so an error
    // puts the child back as it was and a kill is rolled back by the next open.
    const ranges: [number, number][] = [
      [s.footer.dataOffset!, DYNAMIC_HEADER_SIZE],
      [oldEnd, file.size - oldEnd],
    ];
    await changeUnderUndo(file, 'set-parent', ranges, async () => {
      await file.write(footer, link.end);
      for (const blob of link.blobs) {
        const area = new Uint8Array(alignUp(blob.data.length, SECTOR));
        area.set(blob.data);
        await file.write(area, blob.offset);
      }
      await file.sync();
      await file.write(serializeDynamicHeader(header), s.footer.dataOffset!);
    });
    return expected;
  } finally {
    await file.close();
  }
}
