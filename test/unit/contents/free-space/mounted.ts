// Writes files into a file system image through a real driver: the image on a loop device (root only), mounted
// with the given FUSE or kernel mount command, files copied in and some deleted, then unmounted and detached.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { has, sh } from './make-fs';

export const canMount = process.getuid?.() === 0 && has('losetup');

export async function writeThroughMount(
  image: string,
  mountCommand: readonly string[],
  files: readonly string[],
  deleted: readonly string[],
): Promise<void> {
  const device = sh('losetup', ['-f', '--show', image]).trim();
  const point = `${image}.mnt`;
  await mkdir(point, { recursive: true });
  try {
    sh(mountCommand[0]!, [...mountCommand.slice(1), device, point]);
    try {
      for (const f of files) await copyFile(f, join(point, basename(f)));
      for (const f of deleted) await rm(join(point, basename(f)));
    } finally {
      sh('umount', [point]);
    }
  } finally {
    sh('losetup', ['-d', device]);
    await rm(point, { recursive: true, force: true });
  }
}
