// Electronegativity's checklist, as unit tests of the window factory (the @doyensec/electronegativity package is not
// installed here): Electron is replaced by a recorder, and every setting and handler the factory installs is checked.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const rec = vi.hoisted(() => ({
  windowOptions: [] as Record<string, unknown>[],
  wcHandlers: {} as Record<string, (...a: unknown[]) => void>,
  openHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
  permissionRequest: undefined as undefined | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
  permissionCheck: undefined as undefined | ((...a: unknown[]) => boolean),
  headers: undefined as undefined | ((d: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
  loaded: [] as string[],
  opened: [] as string[],
  ipc: undefined as undefined | ((ev: { senderFrame: { url: string } }, method: unknown, args: unknown) => Promise<{ ok: boolean; error?: { code: string } }>),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      on: (name: string, fn: (...a: unknown[]) => void) => void (rec.wcHandlers[name] = fn),
      setWindowOpenHandler: (fn: typeof rec.openHandler) => void (rec.openHandler = fn),
    };
    constructor(opts: Record<string, unknown>) {
      rec.windowOptions.push(opts);
    }
    once() {}
    loadFile(p: string) {
      rec.loaded.push(`file:${p}`);
      return Promise.resolve();
    }
    loadURL(u: string) {
      rec.loaded.push(u);
      return Promise.resolve();
    }
  }
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (fn: typeof rec.permissionRequest) => void (rec.permissionRequest = fn),
      setPermissionCheckHandler: (fn: typeof rec.permissionCheck) => void (rec.permissionCheck = fn),
      webRequest: { onHeadersReceived: (fn: typeof rec.headers) => void (rec.headers = fn) },
    },
  };
  const shell = { openExternal: (u: string) => void rec.opened.push(u) };
  const ipcMain = { handle: (_ch: string, fn: typeof rec.ipc) => void (rec.ipc = fn) };
  return { BrowserWindow, session, shell, ipcMain, default: { BrowserWindow, session, shell, ipcMain } };
});

const OUT = '/opt/Lathe/resources/app/out';

describe('window factory (Electronegativity checklist)', () => {
  let prefs: Record<string, unknown>;
  beforeEach(async () => {
    const { createMainWindow } = await import('../../../main/app/window');
    createMainWindow(OUT);
    prefs = rec.windowOptions.at(-1)!.webPreferences as Record<string, unknown>;
  });

  it('CONTEXT_ISOLATION, NODE_INTEGRATION, SANDBOX, WEB_SECURITY, INSECURE_CONTENT, EXPERIMENTAL_FEATURES, BLINK_FEATURES', () => {
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, experimentalFeatures: false, webviewTag: false });
    for (const risky of ['enableBlinkFeatures', 'enableRemoteModule', 'additionalArguments', 'nativeWindowOpen', 'allowpopups']) expect(prefs).not.toHaveProperty(risky);
    expect(prefs.disableBlinkFeatures).toBe('Auxclick'); // middle-click cannot open a window past the open handler
  });

  it('PRELOAD_JS: the preload script is the app\'s own file', () => {
    expect(prefs.preload).toBe(`${OUT}/preload/index.cjs`);
  });

  it('HTTP_RESOURCES: the window loads the packaged file, not a remote page', () => {
    expect(rec.loaded.at(-1)).toBe(`file:${OUT}/renderer/index.html`);
  });

  it('LIMIT_NAVIGATION: navigation away from this build\'s renderer page is blocked', () => {
    const nav = (url: string) => {
      const ev = { prevented: false, preventDefault() { this.prevented = true; } };
      rec.wcHandlers['will-navigate'](ev, url);
      return ev.prevented;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///tmp/renderer/index.html')).toBe(true);
    expect(nav(`file://${OUT}/renderer/index.html#/train`)).toBe(false);
  });

  it('AUXCLICK / new windows: every window.open is denied; allow-listed https links go to the browser', () => {
    expect(rec.openHandler!({ url: 'https://huggingface.co/x' })).toEqual({ action: 'deny' });
    expect(rec.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(rec.opened).toEqual(['https://huggingface.co/x']);
  });

  it('webviews cannot be attached', () => {
    const ev = { prevented: false, preventDefault() { this.prevented = true; } };
    rec.wcHandlers['will-attach-webview'](ev);
    expect(ev.prevented).toBe(true);
  });

  it('PERMISSION_REQUEST_HANDLER: every permission request and check is denied', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      rec.permissionRequest!(null, p, (ok) => (granted = ok));
      expect(granted, p).toBe(false);
    }
    expect(rec.permissionCheck!()).toBe(false);
  });

  it('CSP_GLOBAL: every response gets a CSP without unsafe-eval that lets the renderer connect nowhere', () => {
    let out: Record<string, string[]> = {};
    rec.headers!({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (out = r.responseHeaders));
    const csp = out['Content-Security-Policy'][0];
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'none';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(out['X-Other']).toEqual(['1']);
  });
});

describe('IPC sender check', () => {
  it('answers only frames showing this build\'s renderer page', async () => {
    const { registerIpc } = await import('../../../main/app/ipc');
    const { rendererFileUrl } = await import('../../../main/app/security-policy');
    const { dispatch } = await import('../../../main/services/dispatch');
    const calls: unknown[] = [];
    const gate = { dispatch: (m: unknown, a: unknown) => (calls.push(m), dispatch(m, a, {} as Parameters<typeof dispatch>[2])), subscribe: () => () => undefined };
    registerIpc(gate, () => null, { rendererUrl: rendererFileUrl(OUT) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const url of ['file:///tmp/evil/renderer/index.html', 'https://evil.example/', '']) {
      expect(await rec.ipc!({ senderFrame: { url } }, 'projects.list', undefined), url).toMatchObject({ ok: false, error: { code: 'api.untrustedSender' } });
    }
    // The trusted page gets through to the API (here an unknown method, answered without touching the library).
    expect(await rec.ipc!({ senderFrame: { url: `file://${OUT}/renderer/index.html` } }, 'nope.nothing', undefined)).toMatchObject({ ok: false, error: { code: 'api.unknownMethod' } });
    expect(calls).toEqual(['nope.nothing']);
    warn.mockRestore();
  });
});
