// What the Image view shows: a driver's description, plus the allocation map, the chain, Azure readiness, what
// each action can do, and what the disk holds. Headers, block tables and a few sectors of partition tables and
// file-system signatures, never the bulk of the data, so it runs in the main process.
import { BLOCK_STATE_CHARS } from '../../../shared/image';
import type { AllocationMap, BlockState, ChainLink, ImageDetails } from '../../../shared/image';
import { azureReadiness } from '../formats/azure-readiness';
import { imageFormatNames } from '../formats/table';
import { otherUseWarning } from '../io/image-lock';
import { describeImage, walkChain } from './chain';
import type { Chain } from './chain';
import { inspectContents } from './contents';
import { imageActions } from './image-actions';

export function encodeBlockStates(states: readonly BlockState[]): string {
  return states.map((s) => BLOCK_STATE_CHARS[s]).join('');
}

function allocationMap(blockSize: number, states: readonly BlockState[]): AllocationMap {
  const held = states.reduce((n, s) => (s === 'allocated' || s === 'partial' ? n + 1 : n), 0);
  return { blockSize, blockCount: states.length, allocatedBlocks: held, map: encodeBlockStates(states) };
}

/** The chain as the view draws it: each disk found, then the parent that was not, if any. */
export function chainLinks(chain: Chain): ChainLink[] {
  const links: ChainLink[] = chain.levels.map(({ path, format, diskType, virtualSize, uuid }) => ({
    status: 'found',
    ...{ path, format, diskType, virtualSize, uuid },
  }));
  const b = chain.broken;
  if (b)
    links.push({
      status: 'missing',
      childPath: b.childPath,
      expectedName: b.name,
      expectedUuid: b.uuid,
      error: b.error,
    });
  return links;
}

export async function imageDetails(path: string): Promise<ImageDetails> {
  const described = await describeImage(path, `if it is a raw disk image, convert it to a ${imageFormatNames()}`);
  const { driver, description: d } = described;
  const states = d.blockStates();
  const allocation = states && allocationMap(d.blockSize!, states);
  const chain = chainLinks(await walkChain(described));
  const missingSaid = new Set(chain.flatMap((l) => (l.status === 'missing' ? [l.error.message] : [])));
  const details = {
    ...d.info,
    parent: d.parent,
    allocation,
    ...(allocation && { allocatedBlocks: allocation.allocatedBlocks, totalBlocks: allocation.blockCount }),
    chain,
    contents: await inspectContents(described.path),
    azure: azureReadiness(driver, d),
    capabilities: driver.capabilities(d.diskType),
    kind: { format: driver.name, madeBy: d.madeBy, layout: d.layout },
    actions: imageActions(driver, {
      diskType: d.diskType,
      parentMissing: chain.some((l) => l.status === 'missing'),
      parentFound: d.parent?.resolvedPath != null,
      inUse: d.info.inUse,
    }),
    // The view says that another program holds the disk in its own note (inUse), with what waits meanwhile, and
    // that a parent is missing in the chain, with the remedy: neither is repeated as a warning.
    warnings: d.warnings.filter((w) => w !== otherUseWarning(d.info.inUse) && !missingSaid.has(w)),
  };
  return details;
}
