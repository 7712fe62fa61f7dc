// Keeps Platter and other programs from changing one image at once, in qemu's own terms (block/file-posix.c):
// a program holds shared OFD locks on byte 100 + p for each permission p it has on the image, and on 200 + p
// for each it does not let others have. Before an in-place change Platter refuses an image that someone writes
// or resizes, or keeps others from writing or resizing (a running VM, qemu-img, another Platter), and while it
// changes the image it holds the same locks, so qemu will not open it for writing meanwhile. The locks belong
// to the open file and end when it is closed. Without the addon, or off Linux, there are no such locks: the
// check is skipped (Windows itself refuses a file Hyper-V holds open: EBUSY).
import type { Stats } from 'node:fs';
import { PlatterError } from '../errors';
import { nativeAddon } from './native-addon';

const PERM_BASE = 100;
const SHARED_BASE = 200;
const PERM = { consistentRead: 0, write: 1, resize: 3 } as const;

/** What an in-place change conflicts with: someone writing or resizing, or forbidding others to. */
const CONFLICTS = [
  PERM_BASE + PERM.write,
  PERM_BASE + PERM.resize,
  SHARED_BASE + PERM.write,
  SHARED_BASE + PERM.resize,
];
/** What Platter holds while it changes an image: it reads, writes and resizes it, and shares neither writing nor resizing. */
const HELD = [PERM_BASE + PERM.consistentRead, ...CONFLICTS];

/** Images this thread already holds locks on: a second open of one (same file, another descriptor) is not a rival. */
const held = new Map<string, number>();
const fileKey = (stat: Stats) => `${stat.dev}:${stat.ino}`;

function inUse(path: string): PlatterError {
  return new PlatterError(
    'IN_USE',
    `${path} is in use by another program (a running virtual machine, qemu-img or another Platter)`,
    'stop the virtual machine or let the other program finish, then try again',
    { path },
  );
}

/**
 * How another program holds an open image: 'writing' (it writes or resizes it: a running VM), 'holding' (it keeps
 * others from writing it: a VM with the disk attached read-only, qemu-img), or null (no one, or no way to tell).
 */
export type OtherUse = 'writing' | 'holding' | null;

export function otherUse(fd: number): OtherUse {
  const locked = nativeAddon()?.lockedByOthers;
  if (!locked) return null;
  const any = (bytes: number[]) => bytes.some((byte) => locked(fd, byte, 1) === true);
  if (any([PERM_BASE + PERM.write, PERM_BASE + PERM.resize])) return 'writing';
  if (any([SHARED_BASE + PERM.write, SHARED_BASE + PERM.resize])) return 'holding';
  return null;
}

/** What `info` says of an image another program holds. */
export function otherUseWarning(use: OtherUse): string | null {
  if (use === 'writing')
    return 'another program is writing this disk (a running virtual machine?): what is read now may be changing, and Platter will not change or copy it until that program stops';
  if (use === 'holding')
    return 'another program has this disk open and keeps others from writing it (a virtual machine?): Platter will not change it until that program stops';
  return null;
}

/** What a consistent reader holds while it copies or hashes: it reads, and lets no one write or resize. */
const HELD_BY_READER = [PERM_BASE + PERM.consistentRead, SHARED_BASE + PERM.write, SHARED_BASE + PERM.resize];

/**
 * Holds a source against writers for as long as it is open (a copy or a hash taken while it changes would mix old
 * and new sectors): refuses one another program writes (a running VM), and keeps anyone from starting to write or
 * resize it until it is closed, as qemu-img does for its sources. Readers are no obstacle, nor are this program's
 * own claims.
 */
export function holdAgainstWriters(fd: number, path: string, stat: Stats): void {
  if (held.has(fileKey(stat))) return;
  const addon = nativeAddon();
  if (!addon?.lockedByOthers) return;
  // Lock first, then look: a writer that starts in between is then seen, not missed.
  for (const byte of HELD_BY_READER) addon.sharedLock?.(fd, byte, 1);
  if (addon.lockedByOthers(fd, PERM_BASE + PERM.write, 1) === true) {
    throw new PlatterError(
      'IN_USE',
      `${path} is being written by another program (a running virtual machine?), so its content cannot be read consistently now`,
      'stop the virtual machine or let the other program finish, then try again (or read it anyway with `platter convert --force-share` or `platter hash --force-share`, at the risk of an inconsistent result)',
      { path },
    );
  }
}

/**
 * Claims the image open as `fd` for an in-place change; throws IN_USE when another program uses it. Returns the
 * release to call when the descriptor is closed (the locks themselves go with the close).
 */
export function claimForChange(fd: number, path: string, stat: Stats): () => void {
  const addon = nativeAddon();
  if (!addon?.sharedLock || !addon.lockedByOthers) return () => undefined;
  const key = fileKey(stat);
  const ours = held.get(key) ?? 0;
  if (ours === 0 && CONFLICTS.some((byte) => addon.lockedByOthers!(fd, byte, 1) === true)) throw inUse(path);
  for (const byte of HELD) if (addon.sharedLock(fd, byte, 1) === false) throw inUse(path);
  held.set(key, ours + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(key) ?? 1) - 1;
    if (left > 0) held.set(key, left);
    else held.delete(key);
  };
}
