// Leftovers of killed runs are recognized and removed by the next run; an undo journal is never applied to another file.
import { copyFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { convertImage } from '../../../electron/engine/ops/convert';
import { createImage } from '../../../electron/engine/ops/create';
import { TEMP_PATTERN } from '../../../electron/engine/io/output-file';
import { beginUndo, rollBack } from '../../../electron/engine/io/undo-journal';
import { useTempDirs } from '../../helpers/temp-dir';

const tempDir = useTempDirs();
// No process has this PID: Linux caps PIDs far below it.
const DEAD_PID = 99_999_999;

describe('leftovers', () => {
  it('a run killed after moving its output into place left a temp: the next run removes it, then refuses to overwrite', async () => {
    const dir = await tempDir();
    const source = join(dir, 'source.vhd');
    await createImage({ path: source, size: 1024 * 1024 });
    const out = join(dir, 'out.img');
    await convertImage({ input: source, output: out });
    const stale = `.out.img.platter-${DEAD_PID}-0123abcd.tmp`;
    expect(TEMP_PATTERN.test(stale)).toBe(true);
    await writeFile(join(dir, stale), 'half');
    const error = await convertImage({ input: source, output: out }).catch((e: unknown) => e);
    expect(isPlatterError(error, 'FILE_EXISTS')).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['out.img', 'source.vhd']);
  });

  it('an undo journal left for a file that was since replaced is refused, not applied', async () => {
    const dir = await tempDir();
    const image = join(dir, 'disk.vhd');
    await createImage({ path: image, size: 1024 * 1024, type: 'fixed' });
    const file = await RandomAccessFile.open(image, 'r+');
    await beginUndo(file, 'resize', [[1024 * 1024, 512]]);
    await file.close();
    // Someone restores the image from a copy (a new file, a new inode) and leaves the journal behind.
    await copyFile(image, join(dir, 'copy.vhd'));
    await rename(join(dir, 'copy.vhd'), image);
    const error = await rollBack(image).catch((e: unknown) => e);
    expect(isPlatterError(error, 'INTERRUPTED')).toBe(true);
    expect((error as Error).message).toContain('another file');
  });
});
