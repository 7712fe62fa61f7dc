// The plain parts of the app shell: menus, dialogs, taskbar progress, notifications, packaging paths and config.
import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IMAGE_EXTENSIONS } from '../../../shared/formats';
import type { JobInfo, JobOutcome } from '../../../shared/ipc-contract';
import { OPEN_DIALOGS, SAVE_DIALOGS } from '../../../electron/main/dialog-options';
import { unpackedPath } from '../../../electron/main/jobs/worker-path';
import { buildMenuTemplate } from '../../../electron/main/menu-template';
import { NOTIFY_AFTER_MS, notificationText, shouldNotify, taskbarProgress } from '../../../electron/main/taskbar';

const root = resolve(__dirname, '../../..');
// Electron's MenuItemConstructorOptions, without importing electron.
type MenuItemConstructorOptions = ReturnType<typeof buildMenuTemplate>[number];

function menu(isMac: boolean, recent: string[] = []) {
  const actions = { open: vi.fn(), openRecent: vi.fn(), clearRecent: vi.fn(), command: vi.fn() };
  const template = buildMenuTemplate({
    appName: 'Platter',
    isMac,
    isDev: false,
    recent: recent.map((path) => ({ path, openedAt: 0, format: 'vhd', diskType: 'dynamic', virtualSize: 1 })),
    actions,
  });
  return { template, actions };
}
const submenu = (item: MenuItemConstructorOptions | undefined) => (item?.submenu ?? []) as MenuItemConstructorOptions[];
const labelled = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label);
const click = (item: MenuItemConstructorOptions | undefined) =>
  (item?.click as unknown as (() => void) | undefined)?.();

describe('the native menu', () => {
  it('disables Compact, Check and Close Tab without an open image, and offers Preferences', () => {
    for (const isMac of [false, true]) {
      const build = (imageOpen: boolean) =>
        buildMenuTemplate({
          appName: 'Platter',
          isMac,
          isDev: false,
          recent: [],
          imageOpen,
          actions: { open: vi.fn(), openRecent: vi.fn(), clearRecent: vi.fn(), command: vi.fn() },
        });
      for (const imageOpen of [false, true]) {
        const template = build(imageOpen);
        const file = submenu(template.find((m) => m.label === 'File'));
        for (const label of ['Compact…', 'Check…', 'Close Tab']) {
          expect(labelled(file, label)?.enabled, `${label} ${imageOpen}`).toBe(imageOpen);
        }
        expect(labelled(file, 'Close Tab')?.accelerator).toBe('CmdOrCtrl+W');
        const prefsMenu = isMac ? submenu(template[0]) : file;
        const prefs = prefsMenu.find((i) => i.label === 'Settings…' || i.label === 'Preferences…');
        expect(prefs, `Preferences (mac ${isMac})`).toBeDefined();
      }
    }
  });

  it('has File (Open, Recent, Create, Convert, Compact, Check), Edit, View and Help', () => {
    const { template, actions } = menu(false, ['/a.vhd']);
    expect(template.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'help']);
    const file = submenu(template[0]);
    for (const label of ['Open…', 'Open Recent', 'Create…', 'Convert…', 'Compact…', 'Check…']) {
      expect(labelled(file, label), label).toBeDefined();
    }
    click(labelled(file, 'Open…'));
    expect(actions.open).toHaveBeenCalled();
    for (const [label, command] of [
      ['Create…', 'create'],
      ['Convert…', 'convert'],
      ['Compact…', 'compact'],
      ['Check…', 'check'],
    ]) {
      click(labelled(file, label!));
      expect(actions.command).toHaveBeenLastCalledWith(command);
    }
    const recent = submenu(labelled(file, 'Open Recent'));
    click(labelled(recent, '/a.vhd'));
    expect(actions.openRecent).toHaveBeenCalledWith('/a.vhd');
    click(labelled(recent, 'Clear Menu'));
    expect(actions.clearRecent).toHaveBeenCalled();
    click(labelled(submenu(template[2]), 'Jobs'));
    expect(actions.command).toHaveBeenLastCalledWith('show-jobs');
    expect(submenu(template[2]).some((i) => i.role === 'toggleDevTools')).toBe(false);
  });

  it('on macOS starts with the app menu and has a Window menu; an empty Recent says so', () => {
    const { template } = menu(true);
    expect(template.map((m) => m.label ?? m.role)).toEqual([
      'Platter',
      'File',
      'editMenu',
      'View',
      'windowMenu',
      'help',
    ]);
    const recent = submenu(labelled(submenu(template[1]), 'Open Recent'));
    expect(recent[0]).toMatchObject({ label: 'No Recent Images', enabled: false });
  });
});

describe('dialogs', () => {
  it('offer every image format to open, raw images as convert sources, and the right type to save', () => {
    expect(OPEN_DIALOGS.image.filters[0]!.extensions).toEqual([
      'vhd',
      'vhdx',
      'avhdx',
      'vdi',
      'vmdk',
      'ova',
      'qcow2',
      'qcow',
    ]);
    expect(OPEN_DIALOGS.source.filters[0]!.extensions).toEqual(expect.arrayContaining(['vhd', 'img', 'raw', 'iso']));
    expect(SAVE_DIALOGS.vhd.filters).toEqual([{ name: 'VHD image', extensions: ['vhd'] }]);
    expect(SAVE_DIALOGS.vmdk.filters).toEqual([{ name: 'VMDK image', extensions: ['vmdk', 'ova'] }]);
    expect(SAVE_DIALOGS.raw.filters[0]!.extensions).toContain('img');
  });
});

describe('taskbar progress and notifications', () => {
  const job = (state: JobInfo['state'], fraction: number | null) =>
    ({ state, progress: fraction === null ? null : { fraction } }) as JobInfo;
  const outcome = (state: JobOutcome['state'], durationMs: number) =>
    ({
      op: 'convert',
      state,
      durationMs,
      result: state === 'succeeded' ? { output: '/out.vhd' } : null,
      error: state === 'succeeded' ? null : { code: 'NO_SPACE', message: 'no space left on /data' },
    }) as JobOutcome;

  it('shows the running job, indeterminate before its first progress, nothing when idle', () => {
    expect(taskbarProgress([])).toEqual({ value: -1, mode: 'none' });
    expect(taskbarProgress([job('succeeded', 1), job('queued', null)])).toEqual({ value: -1, mode: 'none' });
    expect(taskbarProgress([job('running', null)])).toMatchObject({ mode: 'indeterminate' });
    expect(taskbarProgress([job('succeeded', 1), job('running', 0.25)])).toEqual({ value: 0.25, mode: 'normal' });
  });

  it('notifies of a long job ending while the window is not focused, unless turned off or cancelled', () => {
    expect(shouldNotify(outcome('succeeded', NOTIFY_AFTER_MS), false, true)).toBe(true);
    expect(shouldNotify(outcome('failed', NOTIFY_AFTER_MS * 3), false, true)).toBe(true);
    expect(shouldNotify(outcome('succeeded', NOTIFY_AFTER_MS), true, true)).toBe(false);
    expect(shouldNotify(outcome('succeeded', NOTIFY_AFTER_MS), false, false)).toBe(false);
    expect(shouldNotify(outcome('succeeded', 500), false, true)).toBe(false);
    expect(shouldNotify(outcome('cancelled', NOTIFY_AFTER_MS), false, true)).toBe(false);
    expect(notificationText(outcome('succeeded', 1))).toEqual({ title: 'Convert finished', body: '/out.vhd' });
    expect(notificationText(outcome('failed', 1))).toEqual({ title: 'Convert failed', body: 'no space left on /data' });
  });
});

describe('packaging', () => {
  it('runs the job worker from app.asar.unpacked in the packaged app', () => {
    const packed = join(sep, 'opt', 'Platter', 'resources', 'app.asar', 'out', 'main', 'job-worker.mjs');
    expect(unpackedPath(packed)).toBe(
      join(sep, 'opt', 'Platter', 'resources', 'app.asar.unpacked', 'out', 'main', 'job-worker.mjs'),
    );
    expect(unpackedPath('/work/main/out/main/job-worker.mjs')).toBe('/work/main/out/main/job-worker.mjs');
  });

  it('electron-builder.yml associates every image extension, ships the addon unpacked, and builds every target', () => {
    const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
    const associated = [...yml.matchAll(/^\s+- ext: (.+)$/gm)].flatMap((m) =>
      m[1]!.replace(/[[\]]/g, '').split(/,\s*/),
    );
    expect(new Set(associated)).toEqual(new Set(IMAGE_EXTENSIONS.map((e) => e.slice(1))));
    for (const text of [
      'productName: Platter',
      'appId: ',
      'ext: vhd\n',
      'ext: vhdx\n',
      'mimeType: application/x-vhd\n',
      'mimeType: application/x-vhdx\n',
      '- AppImage',
      '- deb',
      '- nsis',
      '- dmg',
    ]) {
      expect(yml, text).toContain(text);
    }
    const unpack = yml.slice(yml.indexOf('asarUnpack:'), yml.indexOf('npmRebuild:'));
    expect(unpack).toContain('native/build/Release/platter_native.node');
    expect(unpack).toContain('out/main/job-worker.mjs');
    expect(readFileSync(join(root, 'build/icon.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
