// Linux swap: nothing in it outlives a reboot, so all but the header page is unused. A hibernation image replaces
// the SWAPSPACE2 signature (S1SUSPEND, LINHIB0001...), so a swap area holding one is not probed as swap at all.
import { RangeList, dataView, readVolume } from './volume';
import type { FreeSpace, Volume } from './volume';
import type { DiskImage } from '../../image/disk-image';

const PAGE = 4096;

export async function swapFreeSpace(image: DiskImage, volume: Volume, label: string | null): Promise<FreeSpace> {
  const header = await readVolume(image, volume, 0, PAGE, 'swap', 'header');
  const v = dataView(header);
  // version 1 keeps the last usable page at 1028; an implausible one is ignored (the volume's end bounds it).
  const lastPage = v.getUint32(1024, true) === 1 ? v.getUint32(1028, true) : 0;
  const end = lastPage > 0 ? Math.min(volume.size, (lastPage + 1) * PAGE) : volume.size;
  const out = new RangeList();
  out.add(volume.start + PAGE, end - PAGE);
  return { fileSystem: 'swap', label, clean: true, reason: null, unused: out.ranges, unusedBytes: out.bytes };
}
