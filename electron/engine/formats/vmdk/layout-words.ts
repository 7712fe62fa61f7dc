// A VMDK's createType in plain words, for the Image view's summary line ("monolithic sparse"): the descriptor's
// camel-case names mean little to someone who has not read VMware's specification.
const WORDS: Readonly<Record<string, string>> = {
  monolithicsparse: 'monolithic sparse',
  monolithicflat: 'monolithic flat',
  twogbmaxextentsparse: 'sparse, split in 2 GB extents',
  twogbmaxextentflat: 'flat, split in 2 GB extents',
  streamoptimized: 'stream-optimized',
  vmfs: 'VMFS flat',
  vmfssparse: 'VMFS sparse',
  vmfsthin: 'VMFS thin',
  vmfsraw: 'VMFS raw device',
  vmfsrdm: 'VMFS raw device mapping',
  vmfspreallocated: 'VMFS preallocated',
  vmfseagerzeroedthick: 'VMFS eager-zeroed thick',
  vmfspassthroughrawdevicemap: 'VMFS pass-through raw device mapping',
  sesparse: 'space-efficient sparse',
  fulldevice: 'a whole physical disk',
  partitioneddevice: 'physical disk partitions',
  custom: 'custom extents',
};

/** Plain words for a createType; an unknown one as the descriptor writes it. */
export function layoutWords(createType: string): string {
  return WORDS[createType.toLowerCase()] ?? createType;
}
