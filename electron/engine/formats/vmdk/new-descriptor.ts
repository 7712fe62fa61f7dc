// The descriptor of a new VMDK as VMware's tools write one: a fresh CID (and the longContentID that ends with it),
// parentCID ffffffff, the adapter, the BIOS geometry VMware derives from it, a VMware-style ddb.uuid.
import { randomBytes } from 'node:crypto';
import { serializeDescriptor } from './descriptor';
import type { ExtentLine } from './descriptor';

export const ADAPTERS = ['ide', 'lsilogic', 'pvscsi'] as const;
export type Adapter = (typeof ADAPTERS)[number];
export const DEFAULT_ADAPTER: Adapter = 'lsilogic';
/** Hardware version 4 (Workstation 5 / ESX 3): what every VMware product and qemu still open. */
const HW_VERSION = '4';

/** VMware's geometry: 16 heads for IDE (cylinders up to 16383), 255 for SCSI (up to 65535), 63 sectors a track. */
export function vmwareGeometry(sectors: number, adapter: Adapter): [number, number, number] {
  const [heads, max] = adapter === 'ide' ? [16, 16383] : [255, 65535];
  return [Math.max(1, Math.min(max, Math.floor(sectors / (heads * 63)))), heads, 63];
}

function freshCid(): string {
  // ffffffff means "no parent" and fffffffe "being written" to VMware: never hand those out.
  for (;;) {
    const cid = randomBytes(4).toString('hex');
    if (cid !== 'ffffffff' && cid !== 'fffffffe') return cid;
  }
}

function vmwareUuid(): string {
  const b = [0x60, 0x00, 0xc2, ...randomBytes(13)].map((x) => x.toString(16).padStart(2, '0'));
  return `${b.slice(0, 8).join(' ')}-${b.slice(8).join(' ')}`;
}

export interface NewVmdkDescriptor {
  readonly text: string;
  readonly cid: string;
}

export function newDescriptor(createType: string, extent: ExtentLine, adapter: Adapter): NewVmdkDescriptor {
  const cid = freshCid();
  const [cylinders, heads, sectors] = vmwareGeometry(extent.sectors, adapter);
  const text = serializeDescriptor({
    cid,
    createType,
    extents: [extent],
    ddb: [
      ['adapterType', adapter],
      ['geometry.cylinders', String(cylinders)],
      ['geometry.heads', String(heads)],
      ['geometry.sectors', String(sectors)],
      ['longContentID', randomBytes(12).toString('hex') + cid],
      ['uuid', vmwareUuid()],
      ['virtualHWVersion', HW_VERSION],
    ],
  });
  return { text, cid };
}
