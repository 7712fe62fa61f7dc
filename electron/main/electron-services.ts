// The services only Electron provides: native dialogs (services.ts grants every path they answer), the file
// manager, notifications.
import { Notification, dialog, shell } from 'electron';
import type { BrowserWindow } from 'electron';
import { OPEN_DIALOGS, SAVE_DIALOGS } from './dialog-options';
import type { DialogService, ShellService } from './services';

export function electronDialogs(window: () => BrowserWindow | null): DialogService {
  return {
    async showOpen({ purpose, multiple }) {
      const { title, filters } = OPEN_DIALOGS[purpose];
      const options = {
        title,
        filters,
        properties: multiple ? (['openFile', 'multiSelections'] as const) : (['openFile'] as const),
      };
      const win = window();
      const r = await (win
        ? dialog.showOpenDialog(win, { ...options, properties: [...options.properties] })
        : dialog.showOpenDialog({ ...options, properties: [...options.properties] }));
      return r.canceled ? [] : r.filePaths;
    },
    async showSave({ purpose, defaultPath }) {
      const { title, filters } = SAVE_DIALOGS[purpose];
      const options = {
        title,
        filters,
        ...(defaultPath !== undefined && { defaultPath }),
        properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
      };
      const win = window();
      const r = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options));
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}

export const electronShell: ShellService = {
  showInFolder: (path) => shell.showItemInFolder(path),
  trash: (path) => shell.trashItem(path),
};

export function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
}
