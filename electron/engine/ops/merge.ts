import { readdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PlatterError, fromFsError } from '../errors';
import { driverFor, driverNamedBy } from '../formats/table';
import { openImage } from '../image/open-image';
import { RandomAccessFile } from '../io/random-access-file';
import type { JobControl } from './progress';

export interface MergeOptions {
  readonly child: string;
  /** Keep the child file after merging (it then reads exactly as its parent). Default: remove it. */
  readonly keepChild?: boolean;
}

export interface MergeResult {
  readonly child: string;
  readonly parent: string;
  readonly mergedBlocks: number;
  readonly childRemoved: boolean;
  readonly warnings: readonly string[];
}

/** Folder entries looked at when searching for other children: a guard against a huge tree, not a real limit. */
const MAX_SCANNED = 5000;

/**
 * The folders other children of a parent are usually in: the child's and the parent's own, their subfolders (one
 * per VM, beside a shared base), and the child's sibling folders. Children anywhere else cannot be found.
 */
async function nearbyFolders(childPath: string, parentPath: string): Promise<string[]> {
  const subfolders = async (folder: string) =>
    (await readdir(folder, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .slice(0, MAX_SCANNED)
      .map((e) => join(folder, e.name));
  const own = [dirname(childPath), dirname(parentPath)];
  const around = [...(await subfolders(dirname(parentPath))), ...(await subfolders(dirname(dirname(childPath))))];
  return [...new Set([...own, ...around])];
}

/** Differencing disks in `folders` that link to the parent identity `identity` (skipping `except`). */
async function childrenOf(folders: readonly string[], identity: string, except: string): Promise<string[]> {
  const found: string[] = [];
  let scanned = 0;
  for (const folder of folders) {
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (++scanned > MAX_SCANNED) return found;
      const path = join(folder, name);
      const driver = driverNamedBy(name);
      if (path === except || !driver?.linkedParent) continue;
      // Unreadable neighbours are not ours to judge here: they answer null.
      if ((await driver.linkedParent(path)) === identity) found.push(path);
    }
  }
  return found;
}

/** A merge that stopped part-way: what the two files hold now, and that running it again finishes it. */
function stoppedPartWay(err: unknown, childPath: string, parentPath: string): PlatterError {
  const cause = fromFsError(err, parentPath);
  // Put back as it was (the undo journal did it), or not begun: nothing is part-merged.
  if (cause.code === 'CANCELLED' || cause.code === 'IN_USE' || cause.details.restored === true) return cause;
  return new PlatterError(
    cause.code,
    `the merge stopped part-way (${cause.message}): ${parentPath} holds part of the changes of ${childPath}, which is intact, so together they still read as the child did`,
    `fix the cause${cause.code === 'NO_SPACE' ? ' (free some space, but keep the child)' : ''}, then run the same merge again to finish it`,
    { ...cause.details, path: parentPath },
  );
}

/**
 * Writes a differencing child's sectors into its parent, so the parent reads as the child did, then removes the
 * child unless asked to keep it. The child's own view never changes while this runs (it overrides every sector it
 * writes), so a kill leaves the child intact and the parent partly merged; running the merge again completes it.
 */
export async function mergeImage(options: MergeOptions, control: JobControl = {}): Promise<MergeResult> {
  const childPath = resolve(options.child);
  // The child is read and then removed: claimed like an image changed in place, so no VM may be using it.
  const claim = await RandomAccessFile.open(childPath, 'r', 'claim');
  const child = await openImage(childPath).catch(async (err: unknown) => {
    await claim.close();
    throw err;
  });
  let parentClaim: RandomAccessFile | undefined;
  try {
    const driver = driverFor(child.format);
    if (!child.parent) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${childPath} is not a differencing disk`,
        'merge takes a differencing (child) disk and writes it into its parent',
      );
    }
    if (!driver.merge)
      throw new PlatterError(
        'UNSUPPORTED',
        `Platter does not merge ${driver.name} children yet`,
        'convert the child to a disk of its own',
      );
    const parentPath = child.parent.path;
    // The parent is changed in place: claimed before the neighbours are looked through (which can take a while in
    // a full folder), so a parent in use is refused at once.
    parentClaim = await RandomAccessFile.open(parentPath, 'r', 'claim');
    const folders = await nearbyFolders(childPath, parentPath);
    const childIdentity = (await driver.identity(childPath)) ?? '';
    const grandchildren = await childrenOf(folders, childIdentity, childPath);
    if (grandchildren.length > 0 && !options.keepChild) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${childPath} is itself the parent of ${grandchildren.join(', ')}; removing it would break them`,
        'merge with --keep-child, or merge those children first',
      );
    }
    // Every other child of the parent reads the parent where it holds nothing: writing into it changes them.
    const parentIdentity = (await driverFor(child.parent.format).identity(parentPath)) ?? '';
    const siblings = await childrenOf(folders, parentIdentity, childPath);
    if (siblings.length > 0) {
      throw new PlatterError(
        'BAD_ARGUMENT',
        `${parentPath} is also the parent of ${siblings.join(', ')}: merging ${childPath} into it would change what ${siblings.length === 1 ? 'that disk reads' : 'those disks read'}; nothing was changed`,
        `to keep them, write the child out as a disk of its own instead: \`platter convert ${childPath} merged${driver.extensions[0]}\``,
        { path: childPath, siblings },
      );
    }
    const mergedBlocks = await driver.merge(child, control).catch((err: unknown) => {
      throw stoppedPartWay(err, childPath, parentPath);
    });
    await child.close();
    const warnings: string[] = [];
    let childRemoved = false;
    if (!options.keepChild) {
      // The merge itself is done: a child that cannot be removed reads exactly as its parent now.
      childRemoved = await unlink(childPath).then(
        () => true,
        (err: unknown) => {
          const why = fromFsError(err, childPath).message;
          warnings.push(
            `the merge is complete, but ${childPath} could not be removed (${why}); it now reads exactly as ${parentPath}, so remove it yourself`,
          );
          return false;
        },
      );
    }
    return { child: childPath, parent: parentPath, mergedBlocks, childRemoved, warnings };
  } finally {
    await child.close();
    await parentClaim?.close();
    await claim.close();
  }
}
