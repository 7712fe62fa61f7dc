// Real file systems for the free-space compaction tests, each made and filled by its own tools: files of random
// data written, most deleted without zero-filling (debugfs rm, mdel, rm on an ntfs-3g or exfat-fuse mount), the
// volume placed on a whole disk or in an MBR or GPT partition (sfdisk). Read-back goes through the same tools.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MiB, has, randomFiles, sh, sparseFile } from '../../contents/free-space/make-fs';
import { canMount, writeThroughMount } from '../../contents/free-space/mounted';

export type FsKind = 'ext4' | 'ext4-noflex' | 'ext4-bigalloc' | 'ext4-uninit' | 'ntfs' | 'fat32' | 'exfat';
export type Layout = 'whole' | 'mbr' | 'gpt';

export const FS_KINDS: readonly FsKind[] = [
  'ext4',
  'ext4-noflex',
  'ext4-bigalloc',
  'ext4-uninit',
  'ntfs',
  'fat32',
  'exfat',
];

const EXT_OPTIONS: Record<string, string[]> = {
  ext4: [],
  'ext4-noflex': ['-O', '^flex_bg'],
  'ext4-bigalloc': ['-O', '64bit,bigalloc', '-C', '16384'],
  // uninit_bg instead of metadata_csum, lazy inode tables: the empty groups stay BLOCK_UNINIT.
  'ext4-uninit': ['-O', '^metadata_csum,uninit_bg', '-E', 'lazy_itable_init=1'],
};

export function toolsFor(kind: FsKind): boolean {
  if (kind.startsWith('ext4')) return has('mkfs.ext4') && has('debugfs') && has('e2fsck');
  if (kind === 'ntfs') return has('mkntfs') && has('ntfs-3g') && has('ntfscat') && has('ntfsfix') && canMount;
  if (kind === 'fat32') return has('mkfs.vfat') && has('mcopy') && has('fsck.vfat');
  return has('mkfs.exfat') && has('mount.exfat-fuse') && has('fsck.exfat') && canMount;
}

export const VOLUME_SIZE = 64 * MiB;
/** Of the files written, these are kept; the rest are deleted (most of the data). */
const SIZES = [3 * MiB, 5 * MiB + 12345, 4 * MiB, 6 * MiB, 2 * MiB + 777, 5 * MiB, 3 * MiB, 123457];
const KEPT = new Set([1, 4, 7]);

export interface Volume {
  readonly image: string;
  readonly live: string[];
  readonly deleted: string[];
}

function mbrType(kind: FsKind): string {
  if (kind === 'ntfs' || kind === 'exfat') return '7';
  return kind === 'fat32' ? 'c' : '83';
}

/** Makes the file system in a file of VOLUME_SIZE bytes, writes the files and deletes most of them. */
export async function makeVolume(dir: string, kind: FsKind, extraFiles: string[] = []): Promise<Volume> {
  const image = join(dir, `${kind}.vol`);
  await sparseFile(image, VOLUME_SIZE);
  const files = await randomFiles(dir, SIZES);
  const live = files.filter((_, i) => KEPT.has(i));
  const deleted = files.filter((_, i) => !KEPT.has(i));
  if (kind.startsWith('ext4')) {
    sh('mkfs.ext4', ['-F', '-q', '-L', 'EXTV', ...EXT_OPTIONS[kind]!, image]);
    const commands = [
      ...[...files, ...extraFiles].map((f) => `write ${f} ${basename(f)}`),
      ...deleted.map((f) => `rm ${basename(f)}`),
    ];
    sh('debugfs', ['-w', '-f', '-', image], commands.join('\n') + '\n');
  } else if (kind === 'fat32') {
    sh('mkfs.vfat', ['-F', '32', '-n', 'FATV', image]);
    for (const f of [...files, ...extraFiles]) sh('mcopy', ['-i', image, f, `::${basename(f)}`]);
    for (const f of deleted) sh('mdel', ['-i', image, `::${basename(f)}`]);
  } else if (kind === 'ntfs') {
    sh('mkntfs', ['-F', '-Q', '-q', '-L', 'NTV', image]);
    await writeThroughMount(image, ['ntfs-3g'], [...files, ...extraFiles], deleted);
  } else {
    sh('mkfs.exfat', ['-L', 'EXV', image]);
    await writeThroughMount(image, ['mount.exfat-fuse'], [...files, ...extraFiles], deleted);
  }
  return { image, live, deleted };
}

/** Where the volume starts in a disk of each layout. */
export function volumeStart(layout: Layout): number {
  return layout === 'whole' ? 0 : MiB;
}

/** A disk holding the volume: as it is, or in the one partition of an MBR or GPT table, with a tail after it. */
export async function makeDisk(dir: string, volume: Volume, kind: FsKind, layout: Layout): Promise<string> {
  const disk = join(dir, `${kind}-${layout}.raw`);
  if (layout === 'whole') {
    await copyFile(volume.image, disk);
    return disk;
  }
  await sparseFile(disk, VOLUME_SIZE + 4 * MiB);
  const table = [
    `label: ${layout === 'mbr' ? 'dos' : 'gpt'}`,
    `start=2048, size=${VOLUME_SIZE / 512}${layout === 'mbr' ? `, type=${mbrType(kind)}` : ''}`,
  ];
  sh('sfdisk', ['-q', disk], table.join('\n') + '\n');
  sh('dd', [`if=${volume.image}`, `of=${disk}`, 'bs=1M', 'seek=1', 'conv=notrunc,sparse', 'status=none']);
  return disk;
}

/** The volume out of a raw disk of that layout. */
export async function extractVolume(disk: string, layout: Layout, out: string): Promise<void> {
  if (layout === 'whole') return copyFile(disk, out);
  sh('dd', [`if=${disk}`, `of=${out}`, 'bs=1M', 'skip=1', `count=${VOLUME_SIZE / MiB}`, 'status=none']);
}

/** Runs the file system's own checker read-only; throws (with its output) unless it finds the volume clean. */
export function checkFileSystem(kind: FsKind, volume: string): void {
  const [command, args] = kind.startsWith('ext4')
    ? ['e2fsck', ['-fn', volume]]
    : kind === 'ntfs'
      ? ['ntfsfix', ['-n', volume]]
      : kind === 'fat32'
        ? ['fsck.vfat', ['-n', volume]]
        : ['fsck.exfat', ['-n', volume]];
  try {
    execFileSync(command as string, args as string[], { stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${command as string} found problems: ${e.stdout?.toString()}${e.stderr?.toString()}`);
  }
}

/** Reads each file back out of the volume with the file system's own tools; returns the names that differ. */
export async function filesThatDiffer(kind: FsKind, volume: string, files: readonly string[], dir: string) {
  const outDir = join(dir, `back-${basename(volume)}`);
  await mkdir(outDir, { recursive: true });
  const differ: string[] = [];
  const back = (f: string) => join(outDir, basename(f));
  if (kind === 'exfat') {
    const device = sh('losetup', ['-f', '--show', '-r', volume]).trim();
    const point = `${volume}.mnt`;
    await mkdir(point, { recursive: true });
    try {
      sh('mount.exfat-fuse', ['-o', 'ro', device, point]);
      try {
        for (const f of files) await copyFile(join(point, basename(f)), back(f));
      } finally {
        sh('umount', [point]);
      }
    } finally {
      sh('losetup', ['-d', device]);
      await rm(point, { recursive: true, force: true });
    }
  } else {
    for (const f of files) {
      const name = basename(f);
      if (kind.startsWith('ext4')) sh('debugfs', ['-R', `dump ${name} ${back(f)}`, volume]);
      else if (kind === 'fat32') sh('mcopy', ['-n', '-i', volume, `::${name}`, back(f)]);
      else await writeFile(back(f), execFileSync('ntfscat', [volume, name], { maxBuffer: 64 * MiB }));
    }
  }
  for (const f of files) {
    const [a, b] = await Promise.all([readFile(f), readFile(back(f)).catch(() => Buffer.alloc(0))]);
    if (!a.equals(b)) differ.push(basename(f));
  }
  return differ;
}
