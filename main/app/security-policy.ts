// Security decisions for the Electron shell as pure functions, so they are unit-tested without Electron.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../server/static-files';

/** The file:// URL of this build's renderer page (out/renderer/index.html beside out/main). */
export function rendererFileUrl(outDir: string): string {
  return pathToFileURL(join(outDir, 'renderer', 'index.html')).href;
}

export interface TrustedRenderer {
  /** rendererFileUrl(outDir) of the running build: the one file:// page trusted. */
  rendererUrl?: string;
  /** The dev server (development only): its origin is trusted. */
  devServerUrl?: string;
}

/** Pages the renderer may load: exactly this build's renderer file (any hash route), or the dev server's origin. */
export function isTrustedRendererUrl(url: string, trusted: TrustedRenderer): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') {
      if (!trusted.rendererUrl) return false;
      u.hash = '';
      u.search = '';
      // Both sides through the URL parser, so percent-encoding and `..` segments compare equal only when the file is the same.
      return u.href === new URL(trusted.rendererUrl).href;
    }
    if (trusted.devServerUrl) return u.origin === new URL(trusted.devServerUrl).origin;
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

/** Under Electron the renderer talks over IPC only: it may connect nowhere, except to the dev server (hot reload) in development. */
export function electronContentSecurityPolicy(devServerUrl?: string): string {
  if (!devServerUrl) return contentSecurityPolicy("'none'");
  const origin = new URL(devServerUrl).origin;
  return contentSecurityPolicy(`${origin} ${origin.replace(/^http/, 'ws')}`);
}

