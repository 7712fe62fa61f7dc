// The main window, locked down: isolated and sandboxed renderer with no Node, the preload as its only bridge,
// no navigation, no new windows, no webviews. Permissions are refused for the whole session in index.ts.
import { BrowserWindow } from 'electron';
import type { WebContents } from 'electron';

export interface WindowOptions {
  readonly preload: string;
  /** The app's page: the dev server's URL, or the file:// URL of out/renderer/index.html. */
  readonly rendererUrl: string;
  /** A PNG for the window's icon. */
  readonly icon: string;
}

/** Applied to every web contents the app creates (app 'web-contents-created'). */
export function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1120,
    height: 760,
    // The layout holds down to 800x600 (side panels collapse, summaries stack).
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Platter',
    icon: options.icon,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click cannot open anything either (electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  lockDown(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.rendererUrl);
  return window;
}
