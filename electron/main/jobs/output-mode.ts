// After a job wrote a new file: its permission bits narrowed to what its sources allow, should the engine have
// created it wider (a fresh file gets 0666 less the umask, 0644 on most systems, whatever the source's).
import { chmod, lstat } from 'node:fs/promises';
import type { NewFile } from '../output-paths';

export async function restrictMode(file: NewFile): Promise<void> {
  // Windows has no permission bits to narrow (only a read-only flag).
  if (file.mode === null || process.platform === 'win32') return;
  const s = await lstat(file.path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  // Gone, or something else put in its place since: not the file the job wrote, so not ours to change.
  if (s === null || !s.isFile()) return;
  const bits = s.mode & 0o777;
  if ((bits & ~file.mode) !== 0) await chmod(file.path, bits & file.mode);
}
