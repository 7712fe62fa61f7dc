// Finds the disks people mean when they say "WSL keeps growing": each WSL 2 distribution's ext4.vhdx (from the
// registry key Lxss, one subkey per distribution with DistributionName and BasePath) and Docker Desktop's disks
// (%LOCALAPPDATA%\Docker\wsl\...\*.vhdx). A plain function over an injected registry reader and file system, so
// that tests run it on Linux. A disk that cannot be read is listed with the reason, never thrown.
import { readdir, stat } from 'node:fs/promises';
import type { DiskOwner, FoundDisk, FoundDisks } from '../../../shared/found-disks';
import { fromFsError, isPlatterError } from '../errors';
import { ipcError, toIpcError } from '../ipc-error';
import type { JobControl, Progress } from '../ops/progress';
import { engineDiskReader } from './disk-facts';
import type { DiskReader } from './disk-facts';
import type { RegistryReader } from './reg-query';
import { regExeReader } from './reg-query';
import { joinPath, pathKey, relativePath, withoutLongPathPrefix } from './windows-paths';

export const LXSS_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';

/** The part of node:fs/promises the lookup uses. */
export interface DiscoveryFs {
  stat(path: string): Promise<{ readonly size: number; readonly blocks: number; isFile(): boolean }>;
  readdir(
    path: string,
    options: { withFileTypes: true },
  ): Promise<readonly { readonly name: string; isFile(): boolean; isDirectory(): boolean }[]>;
}

export interface DiscoverySources {
  readonly platform: NodeJS.Platform;
  readonly registry: RegistryReader;
  readonly fs: DiscoveryFs;
  /** %LOCALAPPDATA%, where Docker Desktop keeps its disks. */
  readonly localAppData: string | undefined;
  /** Default: the engine's own reads (open, describe, compact's dry run). */
  readonly disks?: DiskReader;
}

export interface FindOptions {
  /** Work out what compacting each disk would reclaim (reads every allocated block of it). Default true. */
  readonly estimate?: boolean;
  readonly signal?: AbortSignal;
  /** The estimate's progress, disk by disk. */
  readonly onProgress?: (progress: Progress) => void;
}

export const NOT_WINDOWS_NOTE =
  'WSL and Docker Desktop disks are looked for on Windows only (in the registry and %LOCALAPPDATA%); open a disk by its path instead';

/** How deep under Docker\wsl the disks lie (data\ext4.vhdx, disk\docker_data.vhdx, main\ext4.vhdx). */
const DOCKER_DEPTH = 3;

interface Candidate {
  readonly name: string;
  readonly path: string;
  readonly owner: DiskOwner;
}

/** Docker Desktop registers its own distributions (docker-desktop, docker-desktop-data) with WSL. */
const isDockerDistribution = (name: string) => /^docker-desktop/i.test(name);

async function wslCandidates(sources: DiscoverySources, notes: string[]): Promise<Candidate[]> {
  let keys;
  try {
    keys = await sources.registry(LXSS_KEY);
  } catch (err) {
    notes.push(`the WSL registry key ${LXSS_KEY} could not be read (${(err as Error).message ?? String(err)})`);
    return [];
  }
  const found: Candidate[] = [];
  for (const key of keys) {
    // Only the distributions' own keys, Lxss\{GUID}; not Lxss itself nor keys below a distribution.
    if (!/\\Lxss\\\{[^\\]+\}$/i.test(key.path)) continue;
    const name = key.values.DistributionName ?? key.path.slice(key.path.lastIndexOf('\\') + 1);
    const base = key.values.BasePath;
    if (!base) {
      notes.push(`the WSL distribution ${name} records no BasePath, so its disk cannot be found`);
      continue;
    }
    if (Number(key.values.Version) === 1) {
      notes.push(`${name} is a WSL 1 distribution: its files are a folder, not a virtual disk`);
      continue;
    }
    const file = key.values.VhdFileName || 'ext4.vhdx';
    const owner = isDockerDistribution(name) ? 'docker' : 'wsl';
    found.push({ name, path: joinPath(withoutLongPathPrefix(base), file), owner });
  }
  return found;
}

async function vhdxFilesUnder(fs: DiscoveryFs, dir: string, depth: number, notes: string[]): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') notes.push(fromFsError(err, dir).message);
    return [];
  }
  const files: string[] = [];
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = joinPath(dir, entry.name);
    if (entry.isFile() && /\.vhdx$/i.test(entry.name)) files.push(path);
    else if (entry.isDirectory() && depth > 1) files.push(...(await vhdxFilesUnder(fs, path, depth - 1, notes)));
  }
  return files;
}

async function dockerCandidates(sources: DiscoverySources, notes: string[]): Promise<Candidate[]> {
  if (!sources.localAppData) return [];
  const root = joinPath(sources.localAppData, 'Docker', 'wsl');
  const files = await vhdxFilesUnder(sources.fs, root, DOCKER_DEPTH, notes);
  return files.map((path) => ({ name: relativePath(root, path), path, owner: 'docker' as const }));
}

function inUseProblem(c: Candidate) {
  return c.owner === 'docker'
    ? ipcError(
        'IN_USE',
        `${c.path} is in use: Docker Desktop is running it`,
        'quit Docker Desktop (then run `wsl --shutdown`), then compact it',
      )
    : ipcError(
        'IN_USE',
        `${c.path} is in use: WSL is running ${c.name}`,
        'run `wsl --shutdown` (it stops every distribution), then compact it',
      );
}

function missingProblem(c: Candidate) {
  return c.owner === 'docker'
    ? ipcError(
        'NOT_FOUND',
        `${c.path} does not exist`,
        'start Docker Desktop once, or look for its disk in its settings',
      )
    : ipcError(
        'NOT_FOUND',
        `${c.name}'s disk ${c.path} does not exist`,
        'the distribution may have been moved or removed: `wsl --list --verbose` shows what WSL knows',
      );
}

async function describe(c: Candidate, reader: DiskReader, fs: DiscoveryFs, options: FindOptions): Promise<FoundDisk> {
  const none = { sizeOnDisk: null, fileSize: null, virtualSize: null, reclaimable: null };
  let stat;
  try {
    stat = await fs.stat(c.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { ...c, ...none, status: 'missing', problem: missingProblem(c) };
    return { ...c, ...none, status: 'unreadable', problem: toIpcError(fromFsError(err, c.path)) };
  }
  if (!stat.isFile()) {
    const problem = ipcError('NOT_A_FILE', `${c.path} is not a file`, 'look at what is there and remove it or move it');
    return { ...c, ...none, status: 'unreadable', problem };
  }
  // st_blocks counts 512-byte units on every OS (libuv fills it from NTFS's allocation size on Windows).
  const sizes = {
    sizeOnDisk: Number.isFinite(stat.blocks) ? stat.blocks * 512 : stat.size,
    fileSize: stat.size,
  };
  try {
    if (await reader.inUse(c.path))
      return { ...c, ...sizes, virtualSize: null, reclaimable: null, status: 'in-use', problem: inUseProblem(c) };
    const virtualSize = await reader.virtualSize(c.path);
    const ready = { ...c, ...sizes, virtualSize, status: 'ready' as const };
    if (options.estimate === false) return { ...ready, reclaimable: null, problem: null };
    const control: JobControl = {
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    };
    try {
      return { ...ready, reclaimable: await reader.reclaimable(c.path, control), problem: null };
    } catch (err) {
      if (isPlatterError(err, 'CANCELLED')) throw err;
      // Read and sized, but compact cannot work it out (a fixed disk, a damaged file system...): say why.
      return { ...ready, reclaimable: null, problem: toIpcError(err) };
    }
  } catch (err) {
    if (isPlatterError(err, 'CANCELLED')) throw err;
    return { ...c, ...sizes, virtualSize: null, reclaimable: null, status: 'unreadable', problem: toIpcError(err) };
  }
}

/** Every WSL distribution's disk, then Docker Desktop's, each once (Docker's distributions appear in both). */
export async function findWslDisks(sources: DiscoverySources, options: FindOptions = {}): Promise<FoundDisks> {
  if (sources.platform !== 'win32') return { disks: [], notes: [NOT_WINDOWS_NOTE] };
  const notes: string[] = [];
  const candidates = [...(await wslCandidates(sources, notes)), ...(await dockerCandidates(sources, notes))];
  const seen = new Set<string>();
  const unique = candidates.filter((c) => {
    const key = pathKey(c.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Docker's distributions, registered with WSL, belong to Docker: a path under its folder says so too.
  const dockerPaths = new Set(candidates.filter((c) => c.owner === 'docker').map((c) => pathKey(c.path)));
  const owned = unique.map((c) => (dockerPaths.has(pathKey(c.path)) ? { ...c, owner: 'docker' as const } : c));
  const reader = sources.disks ?? engineDiskReader;
  const disks: FoundDisk[] = [];
  for (const c of owned) disks.push(await describe(c, reader, sources.fs, options));
  return { disks, notes };
}

/** The sources on this machine: reg.exe, node:fs, %LOCALAPPDATA%. */
export function systemSources(): DiscoverySources {
  return {
    platform: process.platform,
    registry: regExeReader(),
    fs: { stat, readdir: (path, options) => readdir(path, options) },
    localAppData: process.env.LOCALAPPDATA,
  };
}
