// Writing a new VMDK (create and convert): monolithicSparse or streamOptimized, 64 KiB grains, the adapter the
// descriptor names. Both are one file with the descriptor embedded.
import { OUTPUT_OPTIONS } from '../../../../shared/formats';
import { PlatterError } from '../../errors';
import { writeBlockContent } from '../../ops/write-content';
import { alignUp } from '../fields';
import type { OutputDriver, OutputLayout, OutputRequest } from '../output';
import { isOvaName, writeOva } from './ova-package';
import { ADAPTERS, DEFAULT_ADAPTER, newDescriptor } from './new-descriptor';
import type { Adapter } from './new-descriptor';
import { SECTOR } from './sparse-header';
import { GRAIN_SECTORS, SparseVmdkWriter } from './sparse-writer';
import { StreamVmdkWriter } from './stream-writer';

/** What --subformat takes, and the createType each is. */
export const SUBFORMATS = { 'monolithic-sparse': 'monolithicSparse', 'stream-optimized': 'streamOptimized' } as const;
export type Subformat = keyof typeof SUBFORMATS;
/** A disk to attach as it is (Workstation, Fusion, VirtualBox, qemu): see docs/vmdk.md for why not streamOptimized. */
export const DEFAULT_SUBFORMAT: Subformat = 'monolithic-sparse';

function subformatOf(asked: string | undefined): Subformat {
  if (asked === undefined) return DEFAULT_SUBFORMAT;
  // VMware's own spelling (streamOptimized) is taken too.
  const found = (Object.keys(SUBFORMATS) as Subformat[]).find(
    (k) => k === asked.toLowerCase() || SUBFORMATS[k].toLowerCase() === asked.toLowerCase(),
  );
  if (!found)
    throw new PlatterError(
      'BAD_ARGUMENT',
      `--subformat "${asked}" is not a VMDK subformat Platter writes`,
      'use --subformat monolithic-sparse (a disk to attach) or --subformat stream-optimized (for OVF and cloud import)',
    );
  return found;
}

function adapterOf(asked: string | undefined): Adapter {
  if (asked === undefined) return DEFAULT_ADAPTER;
  const found = ADAPTERS.find((a) => a === asked.toLowerCase());
  if (!found)
    throw new PlatterError(
      'BAD_ARGUMENT',
      `--adapter "${asked}" is not an adapter Platter writes`,
      `use --adapter ${ADAPTERS.join(', --adapter ')} (default ${DEFAULT_ADAPTER})`,
    );
  return found;
}

function refuse(option: string, appliesTo: string, remedy: string): never {
  throw new PlatterError('BAD_ARGUMENT', `${option} applies to ${appliesTo}, not to a VMDK output`, remedy);
}

function checkRequest(request: OutputRequest): void {
  if (request.type === 'fixed')
    refuse('--type fixed', 'VHD and VHDX outputs', 'leave out --type (Platter writes sparse VMDKs only)');
  if (request.blockSize !== undefined && request.blockSize !== GRAIN_SECTORS * SECTOR)
    refuse('--block-size', 'VHD and VHDX outputs', 'leave out --block-size (a VMDK has VMware’s 64 KiB grains)');
  if (request.preallocate) refuse('--preallocate', 'fixed VHD and raw outputs', 'leave out --preallocate');
  if (request.logicalSectorSize !== undefined || request.physicalSectorSize !== undefined)
    refuse('--logical-sector and --physical-sector', 'VHDX outputs', 'leave them out (a VMDK has 512-byte sectors)');
}

export const vmdkOutput: OutputDriver = {
  formatOptions: ['subformat', 'adapter'],
  layout(request) {
    checkRequest(request);
    const appliance = request.fileName !== undefined && isOvaName(request.fileName);
    if (appliance && request.subformat !== undefined && subformatOf(request.subformat) !== 'stream-optimized')
      refuse(
        `--subformat ${request.subformat}`,
        'a .vmdk output',
        'leave out --subformat: an OVA holds a stream-optimized VMDK, the one OVF import takes',
      );
    const size = request.preset ? request.preset.roundSize(request.size) : request.size;
    const virtualSize = request.roundUp ? alignUp(size, SECTOR) : size;
    const max = OUTPUT_OPTIONS.vmdk.maxSize;
    if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0 || virtualSize % SECTOR !== 0 || virtualSize > max)
      throw new PlatterError(
        'BAD_SIZE',
        `the size ${virtualSize} is not a positive multiple of 512 bytes up to ${max} bytes (2000 GiB)`,
        virtualSize > max ? 'write a VHDX instead (up to 64 TiB)' : `use ${alignUp(Math.max(virtualSize, 1), SECTOR)}`,
      );
    const layout: OutputLayout = {
      virtualSize,
      diskType: 'dynamic',
      blockSize: GRAIN_SECTORS * SECTOR,
      preallocate: false,
      logicalSectorSize: 512,
      physicalSectorSize: 512,
      // A preset (vmware, esxi) names its subformat; --subformat given with it wins.
      subformat: appliance ? 'stream-optimized' : subformatOf(request.subformat ?? request.preset?.subformat),
      adapter: adapterOf(request.adapter),
      appliance,
    };
    return layout;
  },
  async write(file, source, l, pump) {
    if (l.appliance) return writeOva(file, source, l.virtualSize, adapterOf(l.adapter), pump);
    const subformat = subformatOf(l.subformat);
    const createType = SUBFORMATS[subformat];
    const sectors = l.virtualSize / SECTOR;
    // The one extent is the file itself; its name in the descriptor is the name it will have.
    const name = file.shownPath.split(/[\\/]/).pop()!;
    const { text, cid } = newDescriptor(
      createType,
      { access: 'RW', sectors, type: 'SPARSE', fileName: name, offset: 0 },
      adapterOf(l.adapter),
    );
    const writer =
      subformat === 'stream-optimized'
        ? new StreamVmdkWriter(file, sectors, text)
        : new SparseVmdkWriter(file, sectors, text);
    const fileSize = await writeBlockContent(source, writer, pump);
    return { fileSize, identity: cid };
  },
};
