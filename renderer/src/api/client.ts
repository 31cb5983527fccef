// The one API object the UI uses: Electron's preload bridge (window.lathe) when present, otherwise the web-mode WebSocket.
import type { LatheApi } from '../../../main/api/contract';
import { WS_PATH } from '../../../main/api/wire';
import { createWsClient, type Connection, type ConnectionState, type SocketLike } from './ws-client';

export type TransportKind = 'electron' | 'web';

const TOKEN_KEY = 'lathe.token';

/**
 * The web-mode access token: taken from `?token=` once, kept in sessionStorage so reloads work,
 * and removed from the address bar so it does not end up in screenshots, history or bookmarks.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then only lives for this page load.
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

const alwaysOpen: Connection = {
  get: (): ConnectionState => ({ status: 'open', attempt: 0 }),
  subscribe: () => () => {},
  retryNow: () => {},
};

function pick(): { api: LatheApi; connection: Connection; transport: TransportKind; hasToken: boolean } {
  const bridge = (window as unknown as { lathe?: LatheApi }).lathe;
  if (bridge) return { api: bridge, connection: alwaysOpen, transport: 'electron', hasToken: true };
  const token = takeToken();
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${window.location.host}${WS_PATH}?token=${encodeURIComponent(token ?? '')}`;
  const client = createWsClient({ url, createSocket: (u) => new WebSocket(u) as unknown as SocketLike });
  return { api: client.api, connection: client.connection, transport: 'web', hasToken: token !== null };
}

const picked = pick();

export const api: LatheApi = picked.api;
export const connection: Connection = picked.connection;
export const transport: TransportKind = picked.transport;
/** False in web mode when the page was opened without the `?token=` link (the server will refuse the socket). */
export const hasToken: boolean = picked.hasToken;
