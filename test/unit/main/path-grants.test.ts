// The renderer may touch only what the user chose. These tests drive the handler table as a compromised renderer
// would, naming files the user never chose: /etc/shadow, an unreadable file, a 0600 key, outputs in /etc, /dev/shm
// and ~/.config (an autostart entry), the merge of a differencing disk, the recent list and the file manager. Each
// is refused with UNTRUSTED_PATH and nothing is written. What the user did choose still works, and a copy of a
// 0600 source is 0600 too.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage } from '../../../electron/engine/ops/create';
import { bindReports } from '../../../electron/main/bind-handlers';
import { CHOOSE_INPUT, CHOOSE_OUTPUT } from '../../../electron/main/path-grants';
import { createReports } from '../../../electron/main/reports';
import type { SenderEvent } from '../../../electron/main/sender-check';
import { useTempDirs } from '../../helpers/temp-dir';
import { call, choose, chooseSave, errorOf, harness, value, waitDone } from './helpers';
import type { Harness } from './helpers';

const MiB = 1024 * 1024;
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

async function expectUntrusted(h: Harness, channel: Parameters<typeof call>[1], payload: unknown, remedy: string) {
  const error = errorOf(await call(h, channel, payload));
  expect(error.code, `${channel} ${JSON.stringify(payload)}`).toBe('UNTRUSTED_PATH');
  expect(error.message).toContain('was not chosen in Platter');
  expect(error.remedy).toBe(remedy);
}

describe('paths the user never chose', () => {
  const tempDir = useTempDirs();
  async function setup() {
    const dir = await tempDir();
    const h = await harness(join(dir, '.user-data'));
    const chosen = join(dir, 'chosen.vhd');
    await createImage({ path: chosen, size: 4 * MiB });
    await choose(h, chosen);
    // Like /etc/shadow: no one may read it (this process may run as root, which could: the grant is what stops it).
    const unreadable = join(dir, 'shadow');
    await writeFile(unreadable, 'root:$6$secret:19000:0:99999:7:::\n');
    await chmod(unreadable, 0o000);
    const key = join(dir, 'key.vhd');
    await createImage({ path: key, size: 4 * MiB });
    await chmod(key, 0o600);
    const files = (await readdir(dir)).sort();
    return { dir, h, chosen, unreadable, key, files };
  }

  it('are refused on every channel that takes a path, and nothing is read, listed or shown', async () => {
    const { dir, h, unreadable, key } = await setup();
    const targets = [unreadable, key, `${dir}/sub/../key.vhd`, ...(existsSync('/etc/shadow') ? ['/etc/shadow'] : [])];
    for (const path of targets) {
      for (const channel of [
        'image:detect',
        'image:info',
        'image:check',
        'recent:add',
        'shell:show-in-folder',
      ] as const)
        await expectUntrusted(h, channel, { path }, CHOOSE_INPUT);
    }
    expect(value(await h.handlers['recent:list'](undefined))).toEqual([]);
    expect(h.shown).toEqual([]);
    // A file the user did choose is not a key to its folder.
    await expectUntrusted(h, 'image:info', { path: join(dir, 'chosen.vhd.bak') }, CHOOSE_INPUT);
  });

  it('are never a job source: /etc/shadow or a 0600 key is not converted, hashed or compacted; nothing is written', async () => {
    const { dir, h, chosen, unreadable, key, files } = await setup();
    await chooseSave(h, join(dir, 'copy.img'));
    const sources = [unreadable, key, ...(existsSync('/etc/shadow') ? ['/etc/shadow'] : [])];
    for (const input of sources) {
      await expectUntrusted(
        h,
        'job:start',
        { op: 'convert', input, output: join(dir, 'copy.img'), format: 'raw' },
        CHOOSE_INPUT,
      );
      await expectUntrusted(h, 'job:start', { op: 'hash', path: input }, CHOOSE_INPUT);
      await expectUntrusted(h, 'job:start', { op: 'compact', path: input }, CHOOSE_INPUT);
      await expectUntrusted(h, 'job:start', { op: 'compact', path: input, output: join(dir, 'c.vhd') }, CHOOSE_INPUT);
      await expectUntrusted(h, 'job:start', { op: 'create', path: join(dir, 'copy.img'), parent: input }, CHOOSE_INPUT);
      await expectUntrusted(
        h,
        'job:start',
        { op: 'convert-to-child', input, parent: chosen, output: join(dir, 'delta.vhd') },
        CHOOSE_INPUT,
      );
    }
    expect(h.eventsOf('job:added')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it('are never an output: nothing is created in /etc, /dev/shm or ~/.config, nor hidden or oddly named beside a source', async () => {
    const { dir, h, chosen, files } = await setup();
    const outputs = [
      '/etc/platter-test.vhd',
      `/dev/shm/platter-test-${process.pid}.vhd`,
      join(homedir(), '.config', 'autostart', 'platter.desktop'),
      join(homedir(), '.config', `platter-test-${process.pid}.vhd`),
      // Beside the chosen source, but not what a wizard suggests: a hidden file, a desktop entry, a script.
      join(dir, '.bashrc.img'),
      join(dir, 'evil.desktop'),
      join(dir, 'run.sh'),
    ];
    for (const output of outputs) {
      await expectUntrusted(h, 'job:start', { op: 'convert', input: chosen, output }, CHOOSE_OUTPUT);
      await expectUntrusted(h, 'job:start', { op: 'compact', path: chosen, output }, CHOOSE_OUTPUT);
      await expectUntrusted(h, 'job:start', { op: 'create', path: output, size: MiB }, CHOOSE_OUTPUT);
      await expectUntrusted(h, 'job:start', { op: 'create', path: output, parent: chosen }, CHOOSE_OUTPUT);
      expect(existsSync(output), output).toBe(false);
    }
    // A new image with no source needs a save dialog, even in the folder of a chosen file.
    await expectUntrusted(h, 'job:start', { op: 'create', path: join(dir, 'new.vhd'), size: MiB }, CHOOSE_OUTPUT);
    expect(h.eventsOf('job:added')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it('are never changed in place: merge, resize, repair and set-parent of a disk never chosen leave it as it was', async () => {
    const { dir, h, chosen } = await setup();
    const base = join(dir, 'base.vhd');
    const child = join(dir, 'child.vhd');
    await createImage({ path: base, size: 4 * MiB });
    await createImage({ path: child, parent: base });
    const [baseBytes, childBytes] = await Promise.all([readFile(base), readFile(child)]);
    await expectUntrusted(h, 'job:start', { op: 'merge', child }, CHOOSE_INPUT);
    await expectUntrusted(h, 'job:start', { op: 'resize', path: base, size: 8 * MiB }, CHOOSE_INPUT);
    await expectUntrusted(h, 'job:start', { op: 'repair', path: child }, CHOOSE_INPUT);
    await expectUntrusted(h, 'job:start', { op: 'set-parent', child, parent: chosen }, CHOOSE_INPUT);
    // The child chosen, the parent it is pointed at not.
    await choose(h, child);
    await expectUntrusted(h, 'job:start', { op: 'set-parent', child, parent: join(dir, 'key.vhd') }, CHOOSE_INPUT);
    expect(h.eventsOf('job:added')).toEqual([]);
    expect(Buffer.compare(await readFile(base), baseBytes)).toBe(0);
    expect(Buffer.compare(await readFile(child), childBytes)).toBe(0);
  });

  it('cannot be granted by naming them: only a valid drop report from the app window grants, and only its files', async () => {
    const { dir, h, key, unreadable } = await setup();
    const reports = createReports(h.services);
    const listeners = new Map<string, (event: SenderEvent, payload: unknown) => void>();
    const own = { id: 1 };
    bindReports(
      { on: (channel, listener) => listeners.set(channel, listener), removeListener: (c) => listeners.delete(c) },
      reports,
      (event) => event.sender === own,
    );
    const report = listeners.get('drop:files')!;
    // Another frame or window reporting a drop, and payloads that are not a list of absolute paths: ignored.
    report({ sender: { id: 2 }, senderFrame: null }, { paths: [key] });
    for (const bad of [{ paths: ['key.vhd'] }, { paths: key }, { paths: [key], extra: 1 }, [key], null])
      report({ sender: own, senderFrame: null }, bad);
    await expectUntrusted(h, 'image:info', { path: key }, CHOOSE_INPUT);
    // The preload's report of a real drop: that file, and no other, opens.
    report({ sender: own, senderFrame: null }, { paths: [key] });
    expect(value(await h.handlers['image:info']({ path: key })).path).toBe(key);
    await expectUntrusted(h, 'image:info', { path: unreadable }, CHOOSE_INPUT);
    await expectUntrusted(h, 'image:info', { path: `${dir}/chosen.vhd/../shadow` }, CHOOSE_INPUT);
  });
});

describe('paths the user chose', () => {
  const tempDir = useTempDirs();

  it('a 0600 source gives a 0600 output, beside it or where the user saved it; the output is then the user’s', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    const h = await harness(join(dir, '.user-data'));
    const key = join(dir, 'key.vhd');
    await createImage({ path: key, size: 4 * MiB });
    await chmod(key, 0o600);
    const open = join(dir, 'open.vhd');
    await createImage({ path: open, size: 4 * MiB });
    await chmod(open, 0o644);
    await choose(h, key, open);

    const beside = join(dir, 'key-converted.vhd');
    const saved = join(elsewhere, 'key.img');
    await chooseSave(h, saved);
    const jobs = [
      value(await h.handlers['job:start']({ op: 'convert', input: key, output: beside })),
      value(await h.handlers['job:start']({ op: 'convert', input: key, output: saved, format: 'raw' })),
      value(await h.handlers['job:start']({ op: 'compact', path: key, output: join(dir, 'key-compacted.vhd') })),
      value(await h.handlers['job:start']({ op: 'create', path: join(dir, 'key-child.vhd'), parent: key })),
      // Two sources: at most what both allow.
      value(
        await h.handlers['job:start']({ op: 'convert-to-child', input: open, parent: key, output: join(dir, 'd.vhd') }),
      ),
      value(await h.handlers['job:start']({ op: 'convert', input: open, output: join(dir, 'open-converted.vhd') })),
    ];
    for (const job of jobs) expect((await waitDone(h, job.jobId)).state).toBe('succeeded');
    for (const output of [
      beside,
      saved,
      join(dir, 'key-compacted.vhd'),
      join(dir, 'key-child.vhd'),
      join(dir, 'd.vhd'),
    ])
      expect((await modeOf(output)).toString(8), output).toBe('600');
    // A world-readable source keeps its copy as readable as a new file is anyway.
    expect((await modeOf(join(dir, 'open-converted.vhd'))).toString(8)).toBe('644');

    // What a job was allowed to create may be opened, listed and shown.
    expect(value(await h.handlers['image:info']({ path: beside })).path).toBe(beside);
    expect(value(await h.handlers['recent:add']({ path: beside }))[0]?.path).toBe(beside);
    value(await h.handlers['shell:show-in-folder']({ path: saved }));
    expect(h.shown).toEqual([saved]);
  });

  it('the chain of a chosen image is the user’s too: its parent opens, and merging the child writes it', async () => {
    const dir = await tempDir();
    const h = await harness(join(dir, '.user-data'));
    await mkdir(join(dir, 'bases'));
    const base = join(dir, 'bases', 'base.vhd');
    const child = join(dir, 'child.vhd');
    await createImage({ path: base, size: 4 * MiB });
    await createImage({ path: child, parent: base });
    await choose(h, child);
    await expectUntrusted(h, 'image:info', { path: base }, CHOOSE_INPUT);
    const info = value(await h.handlers['image:info']({ path: child }));
    expect(info.chain.map((l) => (l.status === 'found' ? l.path : null))).toEqual([child, base]);
    expect(value(await h.handlers['image:info']({ path: base })).path).toBe(base);
    const merge = value(await h.handlers['job:start']({ op: 'merge', child }));
    const outcome = await waitDone(h, merge.jobId);
    expect(outcome.state).toBe('succeeded');
    expect(outcome.result).toMatchObject({ parent: base, childRemoved: true });
  });
});
