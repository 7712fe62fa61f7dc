// Who made a disk, in plain words, from the creator its format records: the summary line's "Hyper-V disk".
/** A VHD footer's creator application (four characters, as printed). */
const VHD_CREATORS: Readonly<Record<string, string>> = {
  'win ': 'Hyper-V',
  'vpc ': 'Virtual PC',
  'vs  ': 'Virtual Server',
  vbox: 'VirtualBox',
  qemu: 'qemu-img',
  qem2: 'qemu-img',
  'd2v ': 'Disk2vhd',
  'd2v\\x00': 'Disk2vhd',
  '*img': 'FreeBSD mkimg',
  'tap\\x00': 'Xen',
  CTXS: 'Citrix XenServer',
  caml: 'vhd-tool',
};

export function vhdMadeBy(creatorApp: string): string | null {
  return VHD_CREATORS[creatorApp] ?? null;
}

/**
 * A VDI pre-header's banner: VirtualBox writes "<<< Oracle VM VirtualBox Disk Image >>>" (Sun xVM and innotek
 * before it), qemu-img "<<< QEMU VM Virtual Disk Image >>>". Another banner: VirtualBox's format, maker unknown.
 */
export function vdiMadeBy(banner: string): string {
  return /QEMU/.test(banner) ? 'qemu-img' : 'VirtualBox';
}

/** A VHDX file identifier's creator: Windows writes "Microsoft Windows 10.0...", Disk2vhd "d2v". */
export function vhdxMadeBy(creator: string): string | null {
  const c = creator.trim();
  if (c.startsWith('Microsoft Windows')) return 'Hyper-V';
  if (c === 'd2v') return 'Disk2vhd';
  if (/qemu/i.test(c)) return 'qemu-img';
  return c === '' ? null : c.slice(0, 40);
}
