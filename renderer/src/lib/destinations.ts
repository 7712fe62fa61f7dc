// Convert's first question, "where will you use it?": each destination and the presets that serve it (the engine's,
// electron/engine/ops/presets.ts), a raw copy, or Custom (the format and every option by hand).
import { FORMAT_NAMES, OUTPUT_OPTIONS, PRESET_NAMES } from '../../../shared/ipc-contract';
import type { FormatName, PresetInfo, PresetName } from '../../../shared/ipc-contract';

export type PresetDestination = 'hyperv' | 'azure' | 'vmware' | 'virtualbox' | 'kvm' | 'wsl';
export type Destination = PresetDestination | 'raw' | 'custom';

/** In the order the wizard offers them. */
export const DESTINATIONS: readonly Destination[] = [
  'hyperv',
  'azure',
  'vmware',
  'virtualbox',
  'kvm',
  'wsl',
  'raw',
  'custom',
];

/** Where each preset's output is used: a new preset does not compile until it has a place. */
const PRESET_DESTINATION: { readonly [N in PresetName]: PresetDestination } = {
  hyperv: 'hyperv',
  'hyperv-vhd': 'hyperv',
  virtualpc: 'hyperv',
  azure: 'azure',
  vmware: 'vmware',
  esxi: 'vmware',
  virtualbox: 'virtualbox',
  kvm: 'kvm',
  proxmox: 'kvm',
  qemu: 'kvm',
  wsl: 'wsl',
};

export function destinationOf(preset: PresetName): PresetDestination {
  return PRESET_DESTINATION[preset];
}

/** The presets of a destination in the engine's order, the first its default; none for raw and Custom. */
export function presetsFor(destination: Destination, presets: readonly PresetInfo[]): PresetInfo[] {
  return PRESET_NAMES.filter((name) => PRESET_DESTINATION[name] === destination)
    .map((name) => presets.find((p) => p.name === name))
    .filter((p): p is PresetInfo => p !== undefined);
}

/** The format a plain byte-for-byte copy is written as: the one with no structure of its own. */
export const RAW_FORMAT: FormatName = FORMAT_NAMES.find((f) => OUTPUT_OPTIONS[f].types.length === 0) ?? 'raw';

/** The destinations main has presets for, with raw and Custom, which need none. */
export function offeredDestinations(presets: readonly PresetInfo[]): Destination[] {
  return DESTINATIONS.filter((d) => d === 'raw' || d === 'custom' || presetsFor(d, presets).length > 0);
}
