// Loads the optional native addon (native/): lseek SEEK_DATA/SEEK_HOLE, sync_file_range and buffer alignment,
// which Node lacks. Everything that uses it has a pure-JS fallback, so a missing or unloadable addon is not an error.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** The next data (or hole) offset at or after `offset`; -1 past the last data. Throws where unsupported. */
  seek(fd: number, offset: number, wantData: boolean): number;
  /**
   * Starts writing back a range's dirty pages without waiting for them (on a worker thread); false where the
   * system has no way to.
   */
  writeback(fd: number, offset: number, length: number): Promise<boolean>;
  /** Where a typed array's bytes start within their memory page. */
  pageOffset(view: Uint8Array): number;
  /** The size in bytes of an open block device; throws where it cannot tell. Missing from builds before it. */
  deviceSize?(fd: number): number;
  /** Takes a shared OFD lock on a byte range: false when another open file holds a conflicting one; null off Linux. */
  sharedLock?(fd: number, offset: number, length: number): boolean | null;
  /** Whether another open file holds any lock in the range; null off Linux. */
  lockedByOthers?(fd: number, offset: number, length: number): boolean | null;
}

const ADDON = join('native', 'build', 'Release', 'platter_native.node');
let loaded: NativeAddon | null | undefined;

export function nativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.PLATTER_NO_NATIVE === '1') return loaded;
  // The engine runs from source (tests), from dist/cli (the command) and from out/main (the app): look upwards.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const candidate = join(dir, ADDON);
    if (!existsSync(candidate)) continue;
    try {
      loaded = createRequire(import.meta.url)(candidate) as NativeAddon;
    } catch {
      loaded = null;
    }
    break;
  }
  return loaded;
}

const PAGE = 4096;

/**
 * A zeroed buffer for bulk I/O that starts on a page boundary where the addon can tell: the kernel copies to and
 * from aligned memory faster (see docs/performance.md). Node's own large buffers start 16 bytes into a page.
 */
export function pageAlignedBuffer(length: number): Uint8Array {
  const addon = nativeAddon();
  if (!addon) return new Uint8Array(length);
  const backing = new Uint8Array(length + PAGE);
  const skip = (PAGE - addon.pageOffset(backing)) % PAGE;
  return backing.subarray(skip, skip + length);
}
