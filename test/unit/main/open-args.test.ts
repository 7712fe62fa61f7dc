// Which command-line arguments are files to open, and how opened files reach the renderer.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Events } from '../../../shared/ipc-contract';
import { EventBus } from '../../../electron/main/event-bus';
import { existingFiles, pathsFromArgv } from '../../../electron/main/open-args';
import { OpenedFiles } from '../../../electron/main/opened-files';
import { PathGrants } from '../../../electron/main/path-grants';
import { useTempDirs } from '../../helpers/temp-dir';

const packaged = { cwd: '/home/me', defaultApp: false };
const dev = { cwd: '/home/me', defaultApp: true };

describe('pathsFromArgv', () => {
  it('skips the executable and takes file arguments, relative ones from the working folder', () => {
    expect(pathsFromArgv(['/opt/Platter/platter', '/data/disk.vhd', 'child.vhdx', '../up.vhd'], packaged)).toEqual([
      '/data/disk.vhd',
      '/home/me/child.vhdx',
      '/home/up.vhd',
    ]);
    expect(pathsFromArgv(['/opt/Platter/platter'], packaged)).toEqual([]);
  });

  it('skips the app path when run as `electron .`, and every switch', () => {
    const argv = ['/usr/bin/electron', '--inspect=9229', '.', '--no-sandbox', '--flag=x', 'disk.vhd', '-psn_0_4242'];
    expect(pathsFromArgv(argv, dev)).toEqual(['/home/me/disk.vhd']);
    expect(pathsFromArgv(['/usr/bin/electron', '.'], dev)).toEqual([]);
  });

  it('ignores the switches Chromium adds to a second instance', () => {
    const argv = [
      '/opt/Platter/platter',
      '--allow-file-access-from-files',
      '--original-process-start-time=13370000000000000',
      '/data/a.vhd',
    ];
    expect(pathsFromArgv(argv, packaged)).toEqual(['/data/a.vhd']);
  });

  it('takes file:// URLs, refuses other URLs and empty arguments, and lists each path once', () => {
    const url = pathToFileURL('/data/with space.vhd').href;
    const argv = [
      'x',
      url,
      'https://example.invalid/disk.vhd',
      'platter://open',
      '',
      '   ',
      '/data/a.vhd',
      '/data/./a.vhd',
    ];
    expect(pathsFromArgv(argv, packaged)).toEqual(['/data/with space.vhd', '/data/a.vhd']);
  });

  it('after `--` every argument is a path, even one that starts with a dash', () => {
    expect(pathsFromArgv(['x', '--', '-odd.vhd', '--also.vhd'], packaged)).toEqual([
      '/home/me/-odd.vhd',
      '/home/me/--also.vhd',
    ]);
  });
});

describe('existingFiles', () => {
  const tempDir = useTempDirs();
  it('keeps existing regular files only, in order', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.vhd'), 'x');
    await writeFile(join(dir, 'b.img'), 'x');
    await mkdir(join(dir, 'folder.vhd'));
    const paths = [join(dir, 'b.img'), join(dir, 'missing.vhd'), join(dir, 'folder.vhd'), join(dir, 'a.vhd')];
    expect(await existingFiles(paths)).toEqual([join(dir, 'b.img'), join(dir, 'a.vhd')]);
  });
});

describe('OpenedFiles', () => {
  it('holds files until the renderer asks, then sends them as events; holds again when the window goes', () => {
    const bus = new EventBus();
    const events: Events['app:open-file'][] = [];
    bus.on('app:open-file', (e) => events.push(e));
    const opened = new OpenedFiles(bus, new PathGrants());
    opened.add(['/a.vhd', '/b.vhd', '/a.vhd'], 'argv');
    expect(events).toEqual([]);
    expect(opened.take()).toEqual(['/a.vhd', '/b.vhd']);
    opened.add(['/c.vhd'], 'second-instance');
    opened.add(['/d.vhd'], 'open-file');
    expect(events).toEqual([
      { path: '/c.vhd', source: 'second-instance' },
      { path: '/d.vhd', source: 'open-file' },
    ]);
    expect(opened.take()).toEqual([]);
    opened.notReady();
    opened.add(['/e.vhd'], 'menu');
    expect(events).toHaveLength(2);
    expect(opened.take()).toEqual(['/e.vhd']);
  });

  it('grants every file opened from outside, and nothing else', () => {
    const grants = new PathGrants();
    const opened = new OpenedFiles(new EventBus(), grants);
    opened.add(['/home/u/a.vhd'], 'argv');
    opened.take();
    opened.add(['/home/u/b.vhd'], 'open-file');
    expect(grants.has('/home/u/a.vhd')).toBe(true);
    expect(grants.has('/home/u/./b.vhd')).toBe(true);
    expect(grants.has('/home/u/c.vhd')).toBe(false);
  });
});
