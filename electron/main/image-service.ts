// What the Image view shows: the engine's info plus the allocation map, the chain, the consumer sizes and Azure
// readiness, and what the disk holds. Headers, block tables and a few sectors of partition tables and file system
// signatures, never the bulk of the data, so it runs in the main process.
import { capabilitiesOf } from '../engine/ops/capabilities';
import { realpath } from 'node:fs/promises';
import { isPlatterError } from '../engine/errors';
import { MAX_CHAIN_DEPTH, detectFormat, readVhdUuid } from '../engine/image/open-image';
import { otherUseWarning } from '../engine/image/image-lock';
import type { OtherUse } from '../engine/image/image-lock';
import { findParent } from '../engine/image/parent-reference';
import { RandomAccessFile } from '../engine/image/random-access-file';
import { VhdImage } from '../engine/image/vhd-image';
import { readVhdStructure } from '../engine/image/vhd-structure';
import { checkImage } from '../engine/ops/check';
import { inspectContents } from '../engine/ops/contents';
import { inspectImage } from '../engine/ops/info';
import { readVhdxInfo } from '../engine/ops/vhdx-info';
import type { ImageInfo } from '../engine/ops/info';
import type { IpcError } from '../../shared/errors';
import { BLOCK_STATE_CHARS } from '../../shared/image';
import type {
  AllocationMap,
  AzureReadiness,
  BlockState,
  ChainLink,
  CheckReport,
  DetectResult,
  ImageDetails,
  ParentInfo,
  RecentImage,
  VhdDetails,
  VhdxDetails,
} from '../../shared/image';
import { AZURE_MAX_SIZE, MiB } from '../../shared/units';
import { fail, toIpcError } from './ipc-errors';
import { checkInputFile } from './path-checks';

type FoundLink = Extract<ChainLink, { status: 'found' }>;

/** A disk described well enough to follow its chain. */
interface Described {
  readonly link: FoundLink;
  readonly parent: ParentInfo | null;
  /** Why `parent.resolvedPath` is null. */
  readonly parentError: IpcError | null;
}

export async function detectImage(path: string): Promise<DetectResult> {
  const p = await checkInputFile(path);
  const file = await RandomAccessFile.open(p);
  try {
    const format = await detectFormat(file);
    return { path: p, format, fileSize: file.size, contents: format === 'raw' ? await inspectContents(p, true) : null };
  } finally {
    await file.close();
  }
}

export async function checkImageFile(path: string): Promise<CheckReport> {
  return checkImage(await checkInputFile(path));
}

export async function imageDetails(path: string): Promise<ImageDetails> {
  const { path: p, format } = await detectImage(path);
  if (format === 'raw') {
    fail(
      'UNSUPPORTED',
      `${p} is not a VHD or VHDX image (it has neither signature)`,
      'if it is a raw disk image, convert it to a VHD',
    );
  }
  return format === 'vhd' ? vhdDetails(p) : vhdxDetails(p);
}

export function encodeBlockStates(states: readonly BlockState[]): string {
  return states.map((s) => BLOCK_STATE_CHARS[s]).join('');
}

function allocationMap(blockSize: number, states: readonly BlockState[]): AllocationMap {
  const held = states.reduce((n, s) => (s === 'allocated' || s === 'partial' ? n + 1 : n), 0);
  return { blockSize, blockCount: states.length, allocatedBlocks: held, map: encodeBlockStates(states) };
}

export function azureReadiness(
  format: 'vhd' | 'vhdx',
  diskType: string,
  virtualSize: number,
  fileSize: number,
): AzureReadiness {
  const checks = [
    { id: 'format', ok: format === 'vhd', actual: format, expected: 'vhd' },
    { id: 'fixed', ok: diskType === 'fixed', actual: diskType, expected: 'fixed' },
    { id: 'whole-mib', ok: virtualSize % MiB === 0, actual: virtualSize, expected: Math.ceil(virtualSize / MiB) * MiB },
    { id: 'max-size', ok: virtualSize <= AZURE_MAX_SIZE, actual: virtualSize, expected: AZURE_MAX_SIZE },
    { id: 'file-size', ok: fileSize === virtualSize + 512, actual: fileSize, expected: virtualSize + 512 },
  ] as const;
  return { ready: checks.every((c) => c.ok), checks };
}

async function vhdBlockStates(path: string): Promise<{ blockSize: number; states: BlockState[] } | null> {
  const file = await RandomAccessFile.open(path);
  try {
    const structure = await readVhdStructure(file);
    if (!structure.header) return null;
    // Block states need only the block table; the parent is never opened (it may be missing).
    return { blockSize: structure.header.blockSize, states: new VhdImage(file, structure, null).blockStates() };
  } finally {
    await file.close();
  }
}

async function describeVhd(path: string, info?: ImageInfo): Promise<Described> {
  const i = info ?? (await inspectImage(path));
  let parentError: IpcError | null = null;
  if (i.parent && i.parent.resolvedPath === null) {
    parentError = await findParent(i.path, i.parent, readVhdUuid).then(
      () => toIpcError(new Error('the parent appeared while it was being looked for')),
      (err: unknown) => toIpcError(err),
    );
  }
  const link: FoundLink = {
    status: 'found',
    path: i.path,
    format: 'vhd',
    diskType: i.diskType,
    virtualSize: i.virtualSize,
    uuid: i.uuid,
  };
  return { link, parent: i.parent, parentError };
}

async function vhdDetails(path: string): Promise<VhdDetails> {
  const info = await inspectImage(path);
  const described = await describeVhd(path, info);
  const blocks = await vhdBlockStates(info.path);
  const s = info.consumerSizes;
  return {
    ...info,
    consumerSizes: { ...s, disagree: new Set([s.hyperV, s.virtualBox, s.virtualPc, s.qemuImg]).size > 1 },
    allocation: blocks && allocationMap(blocks.blockSize, blocks.states),
    chain: await walkChain(described),
    contents: await inspectContents(info.path),
    azure: azureReadiness('vhd', info.diskType, info.virtualSize, info.fileSize),
    capabilities: capabilitiesOf('vhd', info),
    warnings: withoutInUseWarning(info),
  };
}

/** The view says that another program holds the disk in its own note (inUse), with what waits meanwhile. */
function withoutInUseWarning(info: { readonly inUse: OtherUse; readonly warnings: readonly string[] }): string[] {
  return info.warnings.filter((w) => w !== otherUseWarning(info.inUse));
}

interface VhdxRead {
  readonly details: Omit<VhdxDetails, 'chain' | 'azure' | 'contents' | 'capabilities'>;
  readonly described: Described;
}

async function readVhdx(path: string): Promise<VhdxRead> {
  const { info, states, parentError } = await readVhdxInfo(path);
  let parent: ParentInfo | null = null;
  if (info.parent) {
    const byPlatform = (name: string) => info.parent!.locators.find((l) => l.platform === name)?.path;
    parent = {
      uuid: info.parent.linkage,
      name: byPlatform('relative_path') ?? byPlatform('absolute_win32_path') ?? byPlatform('volume_path') ?? '',
      timestamp: null,
      locators: info.parent.locators,
      resolvedPath: info.parent.resolvedPath,
    };
  }
  const allocation = allocationMap(info.blockSize, states);
  const details = {
    ...info,
    parent,
    allocation,
    allocatedBlocks: allocation.allocatedBlocks,
    totalBlocks: allocation.blockCount,
    warnings: withoutInUseWarning(info),
  };
  const link: FoundLink = {
    status: 'found',
    path,
    format: 'vhdx',
    diskType: info.diskType,
    virtualSize: info.virtualSize,
    uuid: info.dataWriteGuid,
  };
  return { details, described: { link, parent, parentError: parentError && toIpcError(parentError) } };
}

async function vhdxDetails(path: string): Promise<VhdxDetails> {
  const { details, described } = await readVhdx(path);
  return {
    ...details,
    chain: await walkChain(described),
    contents: await inspectContents(path),
    azure: azureReadiness('vhdx', details.diskType, details.virtualSize, details.fileSize),
    capabilities: capabilitiesOf('vhdx', details),
  };
}

async function describe(path: string): Promise<Described> {
  const { format } = await detectImage(path);
  if (format === 'vhd') return describeVhd(path);
  if (format === 'vhdx') return (await readVhdx(path)).described;
  return fail(
    'UNSUPPORTED',
    `the parent ${path} is not a VHD or VHDX image`,
    'find the parent this child was made from',
  );
}

/** The image and its parents down to the base, or to the first parent that cannot be found or read. */
export async function walkChain(first: Described): Promise<ChainLink[]> {
  const links: ChainLink[] = [first.link];
  const seen = new Set([await realpath(first.link.path)]);
  let current = first;
  while (current.parent) {
    const { parent } = current;
    const missing = (error: IpcError): ChainLink => ({
      status: 'missing',
      childPath: current.link.path,
      expectedName: parent.name,
      expectedUuid: parent.uuid,
      error,
    });
    const resolved = parent.resolvedPath;
    if (resolved === null) {
      links.push(missing(current.parentError ?? toIpcError(new Error(`the parent ${parent.name} was not found`))));
      break;
    }
    if (links.length >= MAX_CHAIN_DEPTH) {
      const message = `the differencing chain is more than ${MAX_CHAIN_DEPTH} disks deep`;
      links.push(missing({ code: 'VHD_CHAIN_TOO_DEEP', message, remedy: 'merge some of the chain into its parents' }));
      break;
    }
    const real = await realpath(resolved);
    if (seen.has(real)) {
      const message = `the differencing chain loops back on itself at ${resolved}`;
      links.push(missing({ code: 'VHD_PARENT_CYCLE', message, remedy: 'point the child at the right parent' }));
      break;
    }
    seen.add(real);
    try {
      current = await describe(resolved);
    } catch (err) {
      links.push(missing(toIpcError(err)));
      break;
    }
    links.push(current.link);
  }
  return links;
}

/** What the recent list keeps about an image; a damaged image is still listed, with what could be read. */
export async function summarizeImage(path: string): Promise<Omit<RecentImage, 'openedAt'>> {
  const { format, fileSize } = await detectImage(path);
  try {
    if (format === 'vhd') {
      const info = await inspectImage(path);
      return { path, format, diskType: info.diskType, virtualSize: info.virtualSize };
    }
    if (format === 'vhdx') {
      const { details } = await readVhdx(path);
      return { path, format, diskType: details.diskType, virtualSize: details.virtualSize };
    }
  } catch (err) {
    if (!isPlatterError(err)) throw err;
    return { path, format, diskType: null, virtualSize: null };
  }
  return { path, format, diskType: null, virtualSize: fileSize };
}
