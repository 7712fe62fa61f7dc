// Titles and filters of the native file dialogs, by purpose (the renderer names a purpose, never a filter).
import type { OpenPurpose, SavePurpose } from '../../shared/ipc-contract';
import { FORMAT_EXTENSIONS, IMAGE_EXTENSIONS, RAW_EXTENSIONS } from '../../shared/formats';

export interface FileFilter {
  readonly name: string;
  readonly extensions: string[];
}

const bare = (list: readonly string[]) => list.map((e) => e.replace(/^\./, ''));
const ALL: FileFilter = { name: 'All files', extensions: ['*'] };

export const OPEN_DIALOGS: { readonly [P in OpenPurpose]: { title: string; filters: FileFilter[] } } = {
  image: {
    title: 'Open a disk image',
    filters: [{ name: 'Disk images', extensions: bare(IMAGE_EXTENSIONS) }, ALL],
  },
  source: {
    title: 'Choose the image to convert',
    filters: [{ name: 'Disk images', extensions: bare([...IMAGE_EXTENSIONS, ...RAW_EXTENSIONS]) }, ALL],
  },
  parent: {
    title: 'Choose the parent image',
    filters: [{ name: 'VHD, VHDX and VMDK images', extensions: bare(IMAGE_EXTENSIONS) }],
  },
};

export const SAVE_DIALOGS: { readonly [P in SavePurpose]: { title: string; filters: FileFilter[] } } = {
  vhd: { title: 'Save the VHD as', filters: [{ name: 'VHD image', extensions: bare(FORMAT_EXTENSIONS.vhd) }] },
  vhdx: { title: 'Save the VHDX as', filters: [{ name: 'VHDX image', extensions: ['vhdx'] }] },
  vdi: { title: 'Save the VDI as', filters: [{ name: 'VDI image', extensions: bare(FORMAT_EXTENSIONS.vdi) }] },
  vmdk: { title: 'Save the VMDK as', filters: [{ name: 'VMDK image', extensions: bare(FORMAT_EXTENSIONS.vmdk) }] },
  qcow2: {
    title: 'Save the qcow2 image as',
    filters: [{ name: 'qcow2 image', extensions: bare(FORMAT_EXTENSIONS.qcow2) }],
  },
  raw: { title: 'Save the raw image as', filters: [{ name: 'Raw disk image', extensions: bare(RAW_EXTENSIONS) }] },
  any: {
    title: 'Save as',
    filters: [
      { name: 'Disk images', extensions: bare(['.vhd', '.vhdx', '.vdi', '.vmdk', '.qcow2', ...RAW_EXTENSIONS]) },
      ALL,
    ],
  },
};
