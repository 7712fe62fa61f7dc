// The handler table, channel by channel: valid payloads give the right result; wrong types, missing or extra
// fields, relative paths, a destination equal to the source and missing files give a clear typed error. The user
// has chosen the images each test works on (in the scripted Open dialog); paths never chosen are in
// path-grants.test.ts.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpcResult } from '../../../shared/errors';
import { INVOKE_CHANNELS } from '../../../shared/ipc-contract';
import type { ImageDetails, InvokeChannel, JobOutcome } from '../../../shared/ipc-contract';
import { createImage } from '../../../electron/engine/ops/create';
import { useTempDirs } from '../../helpers/temp-dir';
import { choose, chooseSave, harness, writeRawImage } from './helpers';
import type { Harness } from './helpers';

const MiB = 1024 * 1024;

function value<T>(result: IpcResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}
function errorOf<T>(result: IpcResult<T>) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}
async function call(h: Harness, channel: InvokeChannel, payload: unknown) {
  return (h.handlers[channel] as (p: unknown) => Promise<IpcResult<unknown>>)(payload);
}
async function waitDone(h: Harness, jobId: string): Promise<JobOutcome> {
  await h.services.jobs.whenIdle();
  const outcome = h.eventsOf('job:done').find((o) => o.jobId === jobId);
  if (!outcome) throw new Error(`no job:done for ${jobId}`);
  return outcome;
}

describe('the handler table', () => {
  const tempDir = useTempDirs();
  async function setup() {
    const dir = await tempDir();
    const h = await harness(join(dir, 'user-data'));
    const vhd = join(dir, 'disk.vhd');
    await createImage({ path: vhd, size: 8 * MiB, type: 'dynamic', blockSize: 2 * MiB });
    const raw = join(dir, 'disk.img');
    await writeRawImage(raw, 3 * MiB);
    await choose(h, vhd, raw);
    h.dialogs.requests.splice(0);
    return { dir, h, vhd, raw };
  }

  it('refuses a payload of the wrong type on every channel with INVALID_REQUEST', async () => {
    const { h } = await setup();
    for (const channel of INVOKE_CHANNELS) {
      for (const bad of [42, 'text', [], { unexpected: true }]) {
        const error = errorOf(await call(h, channel, bad));
        expect(error.code, `${channel} ${JSON.stringify(bad)}`).toBe('INVALID_REQUEST');
        expect(error.message).toContain(channel);
        expect(error.issues?.length).toBeGreaterThan(0);
      }
    }
  });

  it('refuses relative paths, empty paths and paths of the wrong type on every path channel', async () => {
    const { h } = await setup();
    const pathChannels = INVOKE_CHANNELS.filter((c) =>
      ['image:detect', 'image:info', 'image:check', 'recent:add', 'recent:remove', 'shell:show-in-folder'].includes(c),
    );
    for (const channel of pathChannels) {
      for (const path of ['disk.vhd', './disk.vhd', '../x/disk.vhd', '', 7, null]) {
        const error = errorOf(await call(h, channel, { path }));
        expect(error.code, `${channel} ${String(path)}`).toBe('INVALID_REQUEST');
        expect(error.issues?.[0]?.path).toBe('path');
      }
      expect(errorOf(await call(h, channel, {})).code).toBe('INVALID_REQUEST');
    }
    const relative = errorOf(await call(h, 'image:info', { path: 'disk.vhd' }));
    expect(relative.issues?.[0]?.message).toBe('must be an absolute path');
  });

  it('app:info and app:take-opened-files take no request', async () => {
    const { h } = await setup();
    const info = value(await h.handlers['app:info'](undefined));
    expect(info.version).toBe('0.0.0-test');
    expect(info.presets.map((p) => p.name)).toEqual([
      'azure',
      'hyperv',
      'hyperv-vhd',
      'wsl',
      'virtualpc',
      'virtualbox',
      'vmware',
      'esxi',
      'kvm',
      'proxmox',
      'qemu',
    ]);
    expect(errorOf(await call(h, 'app:info', { x: 1 })).code).toBe('INVALID_REQUEST');
    h.services.openedFiles.add(['/a.vhd', '/b.vhd'], 'argv');
    expect(value(await h.handlers['app:take-opened-files'](undefined))).toEqual({ paths: ['/a.vhd', '/b.vhd'] });
    h.services.openedFiles.add(['/c.vhd'], 'second-instance');
    expect(value(await h.handlers['app:take-opened-files'](undefined))).toEqual({ paths: [] });
    expect(h.eventsOf('app:open-file')).toEqual([{ path: '/c.vhd', source: 'second-instance' }]);
  });

  it('image:detect tells VHD from raw, and names missing files and folders', async () => {
    const { dir, h, vhd, raw } = await setup();
    // The disk's size, not the file's: a dynamic VHD of 8 MiB holds no block yet.
    const detected = value(await h.handlers['image:detect']({ path: vhd }));
    expect(detected).toMatchObject({ format: 'vhd', path: vhd, virtualSize: 8 * MiB, notADisk: null });
    expect(detected.fileSize).toBe((await stat(vhd)).size);
    expect(detected.fileSize).toBeLessThan(MiB);
    expect(value(await h.handlers['image:detect']({ path: raw }))).toEqual({
      path: raw,
      format: 'raw',
      describable: false,
      fileSize: 3 * MiB,
      // Random bytes: no table, no file system. What a raw disk holds is tested in test/unit/contents.
      contents: { scheme: null, diskId: null, partitions: [], fileSystem: null },
      virtualSize: 3 * MiB,
      notADisk: null,
    });
    // A text file is plainly not a disk: the app asks before converting it.
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'not a disk\n'.repeat(100));
    await choose(h, notes);
    expect(value(await h.handlers['image:detect']({ path: notes }))).toMatchObject({ format: 'raw', notADisk: 'text' });
    // Chosen, then gone (or a folder): the file system's own answer.
    await choose(h, join(dir, 'nope.vhd'), dir);
    const missing = errorOf(await h.handlers['image:detect']({ path: join(dir, 'nope.vhd') }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('nope.vhd');
    expect(missing.remedy).toBeTruthy();
    expect(errorOf(await h.handlers['image:detect']({ path: dir })).code).toBe('IS_DIRECTORY');
  });

  it('image:info gives the facts, the per-block allocation map, the chain and Azure readiness', async () => {
    const { h, vhd, raw } = await setup();
    const info = value(await h.handlers['image:info']({ path: vhd })) as ImageDetails & { format: 'vhd' };
    expect(info).toMatchObject({ format: 'vhd', diskType: 'dynamic', virtualSize: 8 * MiB, blockSize: 2 * MiB });
    expect(info.creatorApp).toBeTruthy();
    expect(info.allocation).toEqual({ blockSize: 2 * MiB, blockCount: 4, allocatedBlocks: 0, map: '0000' });
    expect(info.chain).toEqual([
      { status: 'found', path: vhd, format: 'vhd', diskType: 'dynamic', virtualSize: 8 * MiB, uuid: info.uuid },
    ]);
    // Virtual PC reads the CHS geometry, which rounds 8 MiB down; everyone else reads current size.
    expect(info.consumerSizes).toMatchObject({ hyperV: 8 * MiB, virtualBox: 8 * MiB, qemuImg: 8 * MiB });
    expect(info.consumerSizes.disagree).toBe(info.consumerSizes.virtualPc !== 8 * MiB);
    expect(info.azure.ready).toBe(false);
    expect(info.azure.checks.find((c) => c.id === 'fixed')).toMatchObject({ ok: false, actual: 'dynamic' });
    const notImage = errorOf(await h.handlers['image:info']({ path: raw }));
    expect(notImage.code).toBe('UNSUPPORTED');
    expect(notImage.remedy).toContain('convert');
  });

  it('image:info says a fixed whole-MiB VHD is ready for Azure', async () => {
    const { dir, h } = await setup();
    const fixed = join(dir, 'fixed.vhd');
    await createImage({ path: fixed, size: 4 * MiB, type: 'fixed' });
    await choose(h, fixed);
    const info = value(await h.handlers['image:info']({ path: fixed }));
    expect(info.allocation).toBeNull();
    expect(info.azure).toEqual({ ready: true, checks: expect.any(Array) });
    expect(info.azure.checks.map((c) => c.id)).toEqual(['format', 'fixed', 'whole-mib', 'max-size', 'file-size']);
  });

  it('image:info follows a differencing chain, and shows a missing parent as the last link', async () => {
    const { dir, h, vhd } = await setup();
    const child = join(dir, 'child.vhd');
    value(await h.handlers['job:start']({ op: 'create', path: child, parent: vhd }));
    await h.services.jobs.whenIdle();
    const info = value(await h.handlers['image:info']({ path: child }));
    expect(info.diskType).toBe('differencing');
    expect(info.allocation?.map).toBe('pppp');
    expect(info.chain.map((l) => (l.status === 'found' ? l.path : 'missing'))).toEqual([child, vhd]);
    // Move the parent away: the chain ends in a missing link naming what the child expects.
    const { rename } = await import('node:fs/promises');
    await mkdir(join(dir, 'elsewhere'));
    await rename(vhd, join(dir, 'elsewhere', 'moved.vhd'));
    const broken = value(await h.handlers['image:info']({ path: child }));
    const last = broken.chain[broken.chain.length - 1]!;
    expect(broken.chain).toHaveLength(2);
    expect(last).toMatchObject({
      status: 'missing',
      childPath: child,
      expectedUuid: info.chain[1]!.status === 'found' ? info.chain[1]!.uuid : '',
    });
    expect(last.status === 'missing' && last.error.code).toBe('VHD_PARENT_NOT_FOUND');
  });

  it('image:check reports a clean image', async () => {
    const { h, vhd } = await setup();
    expect(value(await h.handlers['image:check']({ path: vhd }))).toEqual({ path: vhd, problems: [], clean: true });
  });

  it('job:start runs create, convert, compact and hash, and reports each outcome', async () => {
    const { dir, h, vhd, raw } = await setup();
    const created = join(dir, 'new.vhd');
    // A new image with no source: where the user chose to save it.
    await chooseSave(h, created);
    const a = value(await h.handlers['job:start']({ op: 'create', path: created, size: 4 * MiB }));
    const converted = join(dir, 'converted.vhd');
    const b = value(await h.handlers['job:start']({ op: 'convert', input: raw, output: converted, verify: true }));
    const c = value(await h.handlers['job:start']({ op: 'compact', path: vhd }));
    // Paths are checked when a job is started: the hash of the converted image waits for it to exist.
    await waitDone(h, b.jobId);
    const d = value(await h.handlers['job:start']({ op: 'hash', path: converted }));
    const outcomes = await Promise.all([a, b, c, d].map((j) => waitDone(h, j.jobId)));
    expect(outcomes.map((o) => o.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(outcomes[0]!.result).toMatchObject({ path: created, virtualSize: 4 * MiB });
    expect(outcomes[1]!.result).toMatchObject({ output: converted, format: 'vhd', virtualSize: 3 * MiB });
    expect(outcomes[3]!.result).toMatchObject({
      sha256: (outcomes[1]!.result as { verifiedSha256: string }).verifiedSha256,
    });
    expect(value(await h.handlers['job:list'](undefined)).map((j) => j.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(value(await h.handlers['job:clear-finished'](undefined))).toEqual([]);
  });

  it('job:start refuses bad requests before queueing anything', async () => {
    const { dir, h, vhd, raw } = await setup();
    // Chosen, then gone or not a file: the checks after the grant still apply.
    await choose(h, join(dir, 'missing.img'), dir);
    await chooseSave(h, join(dir, 'no-such-folder', 'out.vhd'));
    const cases: [unknown, string][] = [
      [{ op: 'convert', input: raw, output: raw }, 'DESTINATION_IS_SOURCE'],
      [{ op: 'convert', input: vhd, output: join(dir, '.', 'disk.vhd') }, 'DESTINATION_IS_SOURCE'],
      [{ op: 'compact', path: vhd, output: vhd }, 'DESTINATION_IS_SOURCE'],
      [{ op: 'create', path: vhd, parent: vhd }, 'DESTINATION_IS_SOURCE'],
      [{ op: 'convert', input: raw, output: vhd }, 'FILE_EXISTS'],
      [{ op: 'create', path: vhd, size: MiB }, 'FILE_EXISTS'],
      [{ op: 'convert', input: join(dir, 'missing.img'), output: join(dir, 'out.vhd') }, 'NOT_FOUND'],
      [{ op: 'convert', input: raw, output: join(dir, 'no-such-folder', 'out.vhd') }, 'NOT_FOUND'],
      [{ op: 'hash', path: dir }, 'IS_DIRECTORY'],
      [{ op: 'convert', input: 'disk.img', output: join(dir, 'out.vhd') }, 'INVALID_REQUEST'],
      [{ op: 'convert', input: raw, output: 'out.vhd' }, 'INVALID_REQUEST'],
      [{ op: 'convert', input: raw }, 'INVALID_REQUEST'],
      [{ op: 'create', path: join(dir, 'x.vhd'), size: '20G' }, 'INVALID_REQUEST'],
      [{ op: 'create', path: join(dir, 'x.vhd'), size: 1.5 }, 'INVALID_REQUEST'],
      [{ op: 'create', path: join(dir, 'x.vhd'), size: -512 }, 'INVALID_REQUEST'],
      [{ op: 'convert', input: raw, output: join(dir, 'o.vhd'), preset: 'gcp' }, 'INVALID_REQUEST'],
      [{ op: 'convert', input: raw, output: join(dir, 'o.vhd'), rm: '-rf' }, 'INVALID_REQUEST'],
      [{ op: 'format-disk', path: vhd }, 'INVALID_REQUEST'],
      [{ path: vhd }, 'INVALID_REQUEST'],
    ];
    for (const [request, code] of cases) {
      const error = errorOf(await call(h, 'job:start', request));
      expect(error.code, JSON.stringify(request)).toBe(code);
      expect(error.message.length).toBeGreaterThan(10);
    }
    expect(h.eventsOf('job:added')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['disk.img', 'disk.vhd']);
  });

  it('a job that fails in the engine ends with its typed error', async () => {
    const { dir, h, raw } = await setup();
    // A child of a raw disk: the paths pass, the engine refuses (a differencing disk needs a VHD parent).
    const job = value(await h.handlers['job:start']({ op: 'create', path: join(dir, 'child.vhd'), parent: raw }));
    const outcome = await waitDone(h, job.jobId);
    expect(outcome.state).toBe('failed');
    expect(outcome.error?.code).not.toBe('INTERNAL');
    expect(outcome.error?.message).toContain('disk.img');
    expect(outcome.error?.remedy).toBeTruthy();
    expect((await readdir(dir)).sort()).toEqual(['disk.img', 'disk.vhd']);
  });

  it('job:cancel cancels, refuses unknown ids, and validates', async () => {
    const { h } = await setup();
    expect(errorOf(await h.handlers['job:cancel']({ jobId: 'job-999' })).code).toBe('JOB_NOT_FOUND');
    expect(errorOf(await call(h, 'job:cancel', { jobId: 5 })).code).toBe('INVALID_REQUEST');
    expect(errorOf(await call(h, 'job:cancel', {})).code).toBe('INVALID_REQUEST');
  });

  it('recent:add records an image with its facts, newest first, and survives a restart', async () => {
    const { dir, h, vhd, raw } = await setup();
    value(await h.handlers['recent:add']({ path: raw }));
    const list = value(await h.handlers['recent:add']({ path: vhd }));
    expect(list.map((r) => [r.path, r.format, r.diskType, r.virtualSize])).toEqual([
      [vhd, 'vhd', 'dynamic', 8 * MiB],
      [raw, 'raw', null, 3 * MiB],
    ]);
    expect(h.eventsOf('recent:changed')).toHaveLength(2);
    await choose(h, join(dir, 'gone.vhd'));
    expect(errorOf(await h.handlers['recent:add']({ path: join(dir, 'gone.vhd') })).code).toBe('NOT_FOUND');
    const again = await harness(join(dir, 'user-data'));
    expect(value(await again.handlers['recent:list'](undefined)).map((r) => r.path)).toEqual([vhd, raw]);
    // After the restart, what the recent list holds may be opened again without a dialog.
    expect(value(await again.handlers['image:info']({ path: vhd })).path).toBe(vhd);
    expect(value(await again.handlers['recent:remove']({ path: raw })).map((r) => r.path)).toEqual([vhd]);
    expect(value(await again.handlers['recent:clear'](undefined))).toEqual([]);
  });

  it('dialog:open-file and dialog:save-file ask the dialog service by purpose', async () => {
    const { h } = await setup();
    h.dialogs.openAnswers.push(['/chosen/a.vhd', '/chosen/b.vhd']);
    expect(value(await h.handlers['dialog:open-file']({ purpose: 'image', multiple: true }))).toEqual({
      paths: ['/chosen/a.vhd', '/chosen/b.vhd'],
    });
    expect(value(await h.handlers['dialog:open-file']({ purpose: 'source' }))).toEqual({ paths: [] });
    h.dialogs.saveAnswers.push('/chosen/out.vhd');
    expect(value(await h.handlers['dialog:save-file']({ purpose: 'vhd', defaultPath: '../../etc/disk.vhd' }))).toEqual({
      path: '/chosen/out.vhd',
    });
    expect(value(await h.handlers['dialog:save-file']({ purpose: 'raw' }))).toEqual({ path: null });
    expect(h.dialogs.requests).toEqual([
      { purpose: 'image', multiple: true },
      { purpose: 'source' },
      { purpose: 'vhd', defaultPath: 'disk.vhd' },
      { purpose: 'raw' },
    ]);
    expect(errorOf(await call(h, 'dialog:open-file', { purpose: 'everything' })).code).toBe('INVALID_REQUEST');
    expect(errorOf(await call(h, 'dialog:save-file', { purpose: 'vhd', filters: ['*'] })).code).toBe('INVALID_REQUEST');
  });

  it('shell:show-in-folder shows existing files only', async () => {
    const { dir, h, vhd } = await setup();
    expect(value(await h.handlers['shell:show-in-folder']({ path: vhd }))).toBeUndefined();
    expect(h.shown).toEqual([vhd]);
    await choose(h, join(dir, 'x'));
    expect(errorOf(await h.handlers['shell:show-in-folder']({ path: join(dir, 'x') })).code).toBe('NOT_FOUND');
  });

  it('settings:get and settings:set keep valid settings and refuse others', async () => {
    const { dir, h } = await setup();
    expect(value(await h.handlers['settings:get'](undefined))).toEqual({
      theme: 'system',
      verifyAfterConvert: true,
      notifyWhenDone: true,
    });
    expect(value(await h.handlers['settings:set']({ theme: 'dark' }))).toMatchObject({ theme: 'dark' });
    expect(h.eventsOf('settings:changed')).toEqual([expect.objectContaining({ theme: 'dark' })]);
    for (const bad of [{ theme: 'purple' }, { notifyWhenDone: 'yes' }, { theme: undefined }, { extra: 1 }]) {
      expect(errorOf(await call(h, 'settings:set', bad)).code, JSON.stringify(bad)).toBe('INVALID_REQUEST');
    }
    const again = await harness(join(dir, 'user-data'));
    expect(value(await again.handlers['settings:get'](undefined)).theme).toBe('dark');
  });

  it('a damaged settings file falls back to the defaults', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'user-data'));
    await writeFile(join(dir, 'user-data', 'settings.json'), '{"theme": "dark", "notifyWhenDone": "maybe"');
    const h = await harness(join(dir, 'user-data'));
    expect(value(await h.handlers['settings:get'](undefined)).theme).toBe('system');
    await writeFile(join(dir, 'user-data', 'settings.json'), '{"theme": "light", "notifyWhenDone": "maybe"}');
    const h2 = await harness(join(dir, 'user-data'));
    expect(value(await h2.handlers['settings:get'](undefined))).toEqual({
      theme: 'light',
      verifyAfterConvert: true,
      notifyWhenDone: true,
    });
    expect((await stat(join(dir, 'user-data', 'settings.json'))).isFile()).toBe(true);
  });

  it('file:exists answers for chosen files and image-named files beside them, and refuses anything else', async () => {
    const { dir, h, vhd, raw } = await setup();
    expect(value(await call(h, 'file:exists', { path: vhd }))).toEqual({ exists: true });
    // Beside a chosen file, named as a disk image: what a wizard suggests.
    expect(value(await call(h, 'file:exists', { path: join(dir, 'disk-converted.vhd') }))).toEqual({ exists: false });
    await writeFile(join(dir, 'taken.vhdx'), 'x');
    expect(value(await call(h, 'file:exists', { path: join(dir, 'taken.vhdx'), source: raw }))).toEqual({
      exists: true,
    });
    // Not an image name, another folder, a hidden file: never looked at.
    for (const path of [join(dir, 'notes.txt'), join(dir, 'user-data', 'x.vhd'), join(dir, '.x.vhd'), '/etc/x.vhd']) {
      expect(errorOf(await call(h, 'file:exists', { path })).code, path).toBe('UNTRUSTED_PATH');
    }
    expect(errorOf(await call(h, 'file:exists', { path: 'disk.vhd' })).code).toBe('INVALID_REQUEST');
  });

  it('app:set-menu-state records whether an image shows', async () => {
    const { h } = await setup();
    expect(h.services.menuState.get()).toEqual({ imageOpen: false });
    value(await call(h, 'app:set-menu-state', { imageOpen: true }));
    expect(h.services.menuState.get()).toEqual({ imageOpen: true });
    expect(errorOf(await call(h, 'app:set-menu-state', { imageOpen: 'yes' })).code).toBe('INVALID_REQUEST');
  });
});
