// Every IPC message's sender is checked before anything else (VS Code's validatedIpcMain is the model): it must
// come from one of the app's own windows, from its main frame, showing the app's own page.

/** The parts of an Electron IpcMainInvokeEvent / IpcMainEvent the check reads. */
export interface SenderEvent {
  readonly sender: { readonly id: number };
  /** Null when the frame has navigated away or been destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null | undefined;
}

export interface SenderPolicy {
  /** webContents ids of the app's windows. */
  readonly windowIds: () => Iterable<number>;
  /** The page the app loads: a file:// URL of out/renderer/index.html, or the dev server's http:// URL. */
  readonly rendererUrl: string;
}

/** A URL and the app's page URL, parsed; null when either is not a URL (which is never trusted). */
function parseBoth(url: string, rendererUrl: string): [URL, URL] | null {
  try {
    return [new URL(url), new URL(rendererUrl)];
  } catch {
    return null;
  }
}

/** Same page as the app's: for file:, the exact file; for http(s):, the same origin. Query and hash are ignored. */
export function isAppUrl(url: string, rendererUrl: string): boolean {
  const parsed = parseBoth(url, rendererUrl);
  if (!parsed) return false;
  const [u, app] = parsed;
  if (u.protocol !== app.protocol) return false;
  if (app.protocol === 'file:') return u.host === app.host && u.pathname === app.pathname;
  if (app.protocol === 'http:' || app.protocol === 'https:') return u.origin === app.origin;
  return false;
}

export function isTrustedSender(event: SenderEvent, policy: SenderPolicy): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  if (![...policy.windowIds()].includes(event.sender.id)) return false;
  return isAppUrl(frame.url, policy.rendererUrl);
}

const LOCAL_SCHEMES = new Set(['file:', 'data:', 'blob:', 'devtools:', 'chrome-devtools:']);

/**
 * Whether the app may load this URL at all (session.webRequest): local files and the page's own data, plus the
 * dev server (and its hot-reload socket) in development. No remote content, whatever a page might ask for.
 */
export function isLocalRequest(url: string, rendererUrl: string): boolean {
  const parsed = parseBoth(url, rendererUrl);
  if (!parsed) return false;
  const [u, app] = parsed;
  if (LOCAL_SCHEMES.has(u.protocol)) return true;
  if (app.protocol !== 'http:' && app.protocol !== 'https:') return false;
  const socket = app.protocol === 'https:' ? 'wss:' : 'ws:';
  return (u.protocol === app.protocol || u.protocol === socket) && u.host === app.host;
}
