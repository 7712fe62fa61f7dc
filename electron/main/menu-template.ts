// The native menus as a template: File (Open, Create, Convert, Compact, Check, Recent, Close Tab, Preferences
// outside macOS), Edit, View, Window, Help; on macOS Preferences sits in the app menu. Items that work on the open
// image are disabled while the window shows none (the renderer says which, over app:set-menu-state). Plain data (a type import only), so tests check it without Electron; index.ts passes it to
// Menu.buildFromTemplate.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/ipc-contract';
import type { RecentImage } from '../../shared/image';

export interface MenuActions {
  /** File > Open: the native open dialog, then the image opens in the window. */
  readonly open: () => void;
  readonly openRecent: (path: string) => void;
  readonly clearRecent: () => void;
  /** Items the renderer carries out (wizards, the Jobs panel, About). */
  readonly command: (command: MenuCommand) => void;
}

export interface MenuOptions {
  readonly appName: string;
  readonly isMac: boolean;
  /** Development builds get Reload and the developer tools. */
  readonly isDev: boolean;
  readonly recent: readonly RecentImage[];
  readonly actions: MenuActions;
  /** The window shows an image: Compact, Check and Close Tab work on it. */
  readonly imageOpen?: boolean;
}

function macAppMenu(options: MenuOptions): MenuItemConstructorOptions {
  return {
    label: options.appName,
    submenu: [
      { role: 'about' },
      { type: 'separator' },
      { label: 'Settings…', accelerator: 'Cmd+,', click: () => options.actions.command('preferences') },
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };
}

function recentMenu(options: MenuOptions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = options.recent.map((r) => ({
    label: r.path,
    click: () => options.actions.openRecent(r.path),
  }));
  if (items.length === 0) items.push({ label: 'No Recent Images', enabled: false });
  items.push({ type: 'separator' }, { label: 'Clear Menu', click: () => options.actions.clearRecent() });
  return items;
}

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { actions, isMac } = options;
  const imageOpen = options.imageOpen ?? false;
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
      { label: 'Open Recent', submenu: recentMenu(options) },
      { type: 'separator' },
      { label: 'Create…', accelerator: 'CmdOrCtrl+N', click: () => actions.command('create') },
      { label: 'Convert…', accelerator: 'CmdOrCtrl+Shift+C', click: () => actions.command('convert') },
      { label: 'Compact…', enabled: imageOpen, click: () => actions.command('compact') },
      { label: 'Check…', enabled: imageOpen, click: () => actions.command('check') },
      { type: 'separator' },
      { label: 'Close Tab', accelerator: 'CmdOrCtrl+W', enabled: imageOpen, click: () => actions.command('close-tab') },
      ...(isMac
        ? ([{ role: 'close', accelerator: 'Cmd+Shift+W' }] as MenuItemConstructorOptions[])
        : ([
            { type: 'separator' },
            { label: 'Preferences…', accelerator: 'Ctrl+,', click: () => actions.command('preferences') },
            { type: 'separator' },
            { role: 'quit' },
          ] as MenuItemConstructorOptions[])),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { label: 'Jobs', accelerator: 'CmdOrCtrl+J', click: () => actions.command('show-jobs') },
      { type: 'separator' },
      ...(options.isDev
        ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[])
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: `About ${options.appName}`, click: () => actions.command('about') }],
  };
  return [
    ...(isMac ? [macAppMenu(options)] : []),
    file,
    { role: 'editMenu' },
    view,
    ...(isMac ? [{ role: 'windowMenu' } as MenuItemConstructorOptions] : []),
    help,
  ];
}
