// The one window factory: secure defaults, CSP on every response, navigation/new windows/permissions denied.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { electronContentSecurityPolicy, isAllowedExternalUrl, isTrustedRendererUrl, rendererFileUrl } from './security-policy';

let hardened = false;

function hardenSession(devServerUrl?: string): void {
  if (hardened) return;
  hardened = true;
  const csp = electronContentSecurityPolicy(devServerUrl);
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

export function createMainWindow(outDir: string, devServerUrl?: string): BrowserWindow {
  hardenSession(devServerUrl);
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Lathe',
    backgroundColor: '#111318',
    // Written out here, not built by a helper, so Electronegativity (test/unit/app/electronegativity.test.ts) sees
    // every setting where the window is made.
    webPreferences: {
      preload: join(outDir, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click (auxclick) could open a link in a new window without going through the window-open handler.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  const wc = win.webContents;
  wc.on('will-navigate', (event, url) => {
    if (!isTrustedRendererUrl(url, { rendererUrl: rendererFileUrl(outDir), devServerUrl })) event.preventDefault();
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
