// `platter info` of a VHDX: size and block size as qemu-img reads them, the type the manifest records, and what
// the disk holds.
import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli';
import { diskTypeOf, fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const newTempDir = useTempDirs();

const vhdx = manifest().filter((e) => e.format === 'vhdx');

/** qemu-img's view; of a dirty-log image it needs a replayed copy, which qemu-img makes only when it may write. */
async function qemuInfo(path: string, dirtyLog: boolean): Promise<{ 'virtual-size': number; 'cluster-size': number }> {
  let target = path;
  if (dirtyLog) {
    target = join(await newTempDir(), 'copy.vhdx');
    await copyFile(path, target);
    await chmod(target, 0o644);
    await run('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', target]);
  }
  return JSON.parse(await run('qemu-img', ['info', '-U', '--output=json', '-f', 'vhdx', target])) as {
    'virtual-size': number;
    'cluster-size': number;
  };
}

describe.skipIf(!fixturesAvailable || !tools.qemuImg)('platter info of a VHDX', () => {
  it.each(vhdx.map((e) => [e.file, e] as const))('%s', async (file, entry) => {
    const path = fixturePath(file);
    // The first VHDX entries give no type; their names (from the tools that made them) do.
    const type = diskTypeOf(entry) ?? (file.includes('fixed') ? 'fixed' : 'dynamic');
    const json = JSON.parse((await cli('info', '--json', path)).stdout) as Record<string, unknown> & {
      contents: { partitions: unknown[] } | null;
    };
    expect(json).toMatchObject({ format: 'vhdx', diskType: type, virtualSize: entry.virtualSize });
    if (type === 'differencing') {
      // qemu-img 7.2 reads no differencing VHDX; the parent is not in the fixtures.
      expect(json.parent).toMatchObject({ linkage: entry.parentLocators!.parent_linkage!.replace(/[{}]/g, '') });
    } else {
      const qemu = await qemuInfo(path, entry.contentSha256IfLogIgnored !== undefined);
      expect(json).toMatchObject({ blockSize: qemu['cluster-size'], parent: null });
      expect(json.virtualSize).toBe(qemu['virtual-size']);
      expect(json.contents).not.toBeNull();
    }
    const text = await cli('info', path);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Format: +VHDX, ${type}`, 'm'));
    if (json.contents?.partitions.length) expect(text.stdout).toMatch(/^Partition table: +(MBR|GPT), /m);
  });
});
