// Security decisions for the Electron shell as pure functions, so they are unit-tested without Electron.
import { SECURITY_HEADERS } from '../server/static-files';

/** Pages the renderer may load: the packaged file:// renderer, or the dev server in development. */
export function isTrustedRendererUrl(url: string, devServerUrl?: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return u.pathname.endsWith('/renderer/index.html');
    if (devServerUrl) return u.origin === new URL(devServerUrl).origin;
    return false;
  } catch {
    return false;
  }
}

/** External links open in the user's browser only when they point to these hosts over https. */
export const EXTERNAL_LINK_ALLOW_LIST = ['huggingface.co', 'github.com', 'ollama.com', 'onnxruntime.ai'];

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && EXTERNAL_LINK_ALLOW_LIST.some((h) => u.hostname === h || u.hostname.endsWith(`.${h}`));
  } catch {
    return false;
  }
}

export const CONTENT_SECURITY_POLICY = SECURITY_HEADERS['Content-Security-Policy'];

/** webPreferences for every window: isolated, sandboxed, no Node. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
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
  } as const;
}
