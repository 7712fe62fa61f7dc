// The Electron main process: one instance, one locked-down window, the handler table bound to ipcMain, jobs in
// worker threads, files opened from outside, native menus, taskbar progress and notifications.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, session } from 'electron';
import { forwardEvents } from './bind-handlers';
import { electronDialogs, electronShell, notify } from './electron-services';
import { createHandlers } from './handlers';
import { bindIpcMain } from './ipc-binding';
import { unpackedPath } from './jobs/worker-path';
import { createWorkerRunner } from './jobs/worker-runner';
import { buildMenuTemplate } from './menu-template';
import type { MenuOptions } from './menu-template';
import { existingFiles, pathsFromArgv } from './open-args';
import { createReports } from './reports';
import { createCoreServices } from './services';
import type { Services } from './services';
import { notificationText, shouldNotify, taskbarProgress } from './taskbar';
import { isLocalRequest } from './sender-check';
import { createMainWindow, lockDown } from './window';

const here = dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '../renderer/index.html')).href;
const preload = join(here, '../preload/index.cjs');
// The window's own icon (title bar, taskbar, Alt+Tab); macOS takes the bundle's instead.
const icon = join(here, '../../build/icons/256x256.png');

let mainWindow: BrowserWindow | null = null;
let services: Services | null = null;
/** macOS may send open-file before the app is ready. */
const earlyOpened: string[] = [];

function showWindow(): BrowserWindow {
  if (!mainWindow || mainWindow.isDestroyed()) {
    services?.openedFiles.notReady();
    mainWindow = createMainWindow({ preload, rendererUrl, icon });
    mainWindow.on('closed', () => {
      mainWindow = null;
      services?.openedFiles.notReady();
    });
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
  return mainWindow;
}

function setMenu(s: Services): void {
  const actions: MenuOptions['actions'] = {
    open: () => {
      void s.dialogs.showOpen({ purpose: 'image', multiple: true }).then((paths) => s.openedFiles.add(paths, 'menu'));
    },
    openRecent: (path) => s.openedFiles.add([path], 'menu'),
    clearRecent: () => void s.recent.clear(),
    command: (command) => s.events.emit('app:menu-command', { command }),
  };
  const template = buildMenuTemplate({
    appName: app.getName(),
    isMac: process.platform === 'darwin',
    isDev: !app.isPackaged,
    recent: s.recent.list(),
    actions,
    imageOpen: s.menuState.get().imageOpen,
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function watchJobs(s: Services): void {
  const update = () => {
    const progress = taskbarProgress(s.jobs.list());
    mainWindow?.setProgressBar(progress.value, { mode: progress.mode });
  };
  s.events.on('job:started', update);
  s.events.on('job:progress', update);
  s.events.on('job:done', (outcome) => {
    update();
    const focused = mainWindow?.isFocused() ?? false;
    if (shouldNotify(outcome, focused, s.settings.get().notifyWhenDone)) {
      const { title, body } = notificationText(outcome);
      notify(title, body);
    }
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  // Nothing the page asks for is granted: no camera, no notifications from the page, no geolocation...
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // No remote content: only local files (and the dev server in development) load.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isLocalRequest(details.url, rendererUrl) }),
  );

  const s = await createCoreServices({
    userDataDir: app.getPath('userData'),
    runner: createWorkerRunner({ workerPath: unpackedPath(join(here, 'job-worker.mjs')) }),
    dialogs: electronDialogs(() => mainWindow),
    shell: electronShell,
    app: { name: app.getName(), version: app.getVersion(), platform: process.platform },
    onRecentAdd: (path) => app.addRecentDocument(path),
    onRecentChange: (list) => {
      if (list.length === 0) app.clearRecentDocuments();
      if (services) setMenu(services);
    },
    onMenuState: () => {
      if (services) setMenu(services);
    },
  });
  services = s;
  bindIpcMain(createHandlers(s), createReports(s), {
    rendererUrl,
    windowIds: () => BrowserWindow.getAllWindows().map((w) => w.webContents.id),
  });
  forwardEvents(s.events, (channel, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  });
  watchJobs(s);
  setMenu(s);

  const argv = pathsFromArgv(process.argv, { cwd: process.cwd(), defaultApp: process.defaultApp === true });
  s.openedFiles.add(await existingFiles([...earlyOpened.splice(0), ...argv]), 'argv');
  showWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another Platter is running: it gets our arguments through 'second-instance' and opens them.
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (!services) earlyOpened.push(path);
    else {
      services.openedFiles.add([path], 'open-file');
      showWindow();
    }
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const paths = pathsFromArgv(argv, { cwd: workingDirectory, defaultApp: process.defaultApp === true });
    void existingFiles(paths).then((files) => services?.openedFiles.add(files, 'second-instance'));
    if (services) showWindow();
  });
  app.on('activate', () => {
    if (services && BrowserWindow.getAllWindows().length === 0) showWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let stopping = false;
  app.on('before-quit', (event) => {
    const jobs = services?.jobs;
    if (!jobs || stopping || !jobs.list().some((j) => j.state === 'running' || j.state === 'queued')) return;
    // Cancel running work first, so it removes its partial output, then quit (at most 15 s later).
    event.preventDefault();
    stopping = true;
    jobs.cancelAll();
    void Promise.race([jobs.whenIdle(), new Promise((r) => setTimeout(r, 15_000))]).then(() => app.quit());
  });
  start().catch((err: unknown) => {
    console.error('Platter could not start:', err);
    app.exit(1);
  });
}
