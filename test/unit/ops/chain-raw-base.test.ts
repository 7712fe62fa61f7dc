// A chain may end in a raw file (a qcow2 overlay over a raw backing file, as qemu-img makes them): it is the base
// of the chain, not a broken link.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeChain } from '../../../electron/engine/ops/chain';
import { writeRaw } from '../../helpers/data';
import { useTempDirs } from '../../helpers/temp-dir';
import { run, tools } from '../../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;

describe.skipIf(!tools.qemuImg)('a chain over a raw base', () => {
  it('lists the raw file as its base', async () => {
    const dir = await tempDir();
    const base = join(dir, 'base.img');
    await writeRaw(base, 4 * MiB, [[0, 4096]]);
    const overlay = join(dir, 'overlay.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'base.img', '-F', 'raw', overlay]);
    const chain = await describeChain(overlay);
    expect(chain.broken).toBeNull();
    expect(chain.levels.map((l) => [l.format, l.path])).toEqual([
      ['qcow2', overlay],
      ['raw', base],
    ]);
    expect(chain.levels[1]!.virtualSize).toBe(4 * MiB);
  });
});
