// The one window factory: secure defaults, CSP on every response, navigation/new windows/permissions denied.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, isAllowedExternalUrl, isTrustedRendererUrl, secureWebPreferences } from './security-policy';

let hardened = false;

function hardenSession(): void {
  if (hardened) return;
  hardened = true;
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

export function createMainWindow(outDir: string, devServerUrl?: string): BrowserWindow {
  hardenSession();
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Lathe',
    backgroundColor: '#111318',
    webPreferences: secureWebPreferences(join(outDir, 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  const wc = win.webContents;
  wc.on('will-navigate', (event, url) => {
    if (!isTrustedRendererUrl(url, devServerUrl)) event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(join(outDir, 'renderer', 'index.html'));
  return win;
}
