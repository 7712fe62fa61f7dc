// The disks Platter finds on its own: WSL distributions' and Docker Desktop's virtual disks (Windows).
import type { IpcError } from './errors';

/** Who runs the disk: a WSL distribution, or Docker Desktop (its own WSL disks and its data disk). */
export type DiskOwner = 'wsl' | 'docker';

/** ready: read and sized; in-use: WSL or Docker has it open; missing: no file there; unreadable: see problem. */
export type FoundDiskStatus = 'ready' | 'in-use' | 'missing' | 'unreadable';

export interface FoundDisk {
  /** The distribution's name, or the Docker Desktop disk's file name with its folder (`disk\docker_data.vhdx`). */
  readonly name: string;
  readonly path: string;
  readonly owner: DiskOwner;
  readonly status: FoundDiskStatus;
  /** Bytes the file takes on its disk (allocated, not its apparent size); null when it cannot be read. */
  readonly sizeOnDisk: number | null;
  /** The file's apparent size. */
  readonly fileSize: number | null;
  readonly virtualSize: number | null;
  /** What compacting would reclaim (compact's dry run); null when it was not worked out. */
  readonly reclaimable: number | null;
  /** Why the disk is in use, missing or unreadable, and what to do. */
  readonly problem: IpcError | null;
}

export interface FoundDisks {
  readonly disks: readonly FoundDisk[];
  /** Sentences about the search itself (e.g. that it applies to Windows, or that the registry could not be read). */
  readonly notes: readonly string[];
}
