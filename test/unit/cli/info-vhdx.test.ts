// `platter info` of a VHDX: size and block size as qemu-img reads them, the type the manifest records, and what
// the disk holds.
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli';
import { fixturePath, fixturesAvailable, manifest } from '../../helpers/fixtures';
import { run, tools } from '../../helpers/tools';

const vhdx = manifest().filter((e) => e.format === 'vhdx');

describe.skipIf(!fixturesAvailable || !tools.qemuImg)('platter info of a VHDX', () => {
  it.each(vhdx.map((e) => [e.file, e] as const))('%s', async (file, entry) => {
    const path = fixturePath(file);
    // The manifest gives no type for VHDX files; their names (from the tools that made them) do.
    const type = file.includes('fixed') ? 'fixed' : 'dynamic';
    const json = JSON.parse((await cli('info', '--json', path)).stdout) as Record<string, unknown> & {
      contents: { partitions: unknown[] } | null;
    };
    const qemu = JSON.parse(await run('qemu-img', ['info', '-U', '--output=json', '-f', 'vhdx', path])) as {
      'virtual-size': number;
      'cluster-size': number;
    };
    expect(json).toMatchObject({
      format: 'vhdx',
      diskType: type,
      virtualSize: entry.virtualSize,
      blockSize: qemu['cluster-size'],
      parent: null,
    });
    expect(json.virtualSize).toBe(qemu['virtual-size']);
    expect(json.contents?.partitions.length).toBeGreaterThan(0);
    const text = await cli('info', path);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Format: +VHDX, ${type}`, 'm'));
    expect(text.stdout).toMatch(/^Partition table: +(MBR|GPT), /m);
  });
});
