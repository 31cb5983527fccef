// Serves the built renderer (out/renderer) read-only: no directory listing, no path escaping the folder, strict headers.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** The renderer's CSP; `connectSrc` names exactly where it may connect ("'none'" under Electron, which uses IPC). */
export function contentSecurityPolicy(connectSrc: string): string {
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connectSrc}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`;
}

/** In web mode the page talks only to the server that served it: its http origin (uploads) and ws origin (the API). */
export function webConnectSrc(host: string): string {
  return `http://${host} ws://${host}`;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  if (rel.includes('\0')) {
    res.writeHead(400).end('bad path');
    return;
  }
  const base = resolve(root);
  let file = normalize(join(base, rel));
  if (file !== base && !file.startsWith(base + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  // Single-page app: unknown routes get index.html; directories get their index.html.
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(base, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The Lathe UI is not built. Run `npm run build`.');
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  // The Host header was checked by the server (DNS-rebinding guard), so it names this server's own origin.
  const csp = contentSecurityPolicy(webConnectSrc((req.headers.host ?? '127.0.0.1').toLowerCase()));
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': type, 'Cache-Control': extname(file) === '.html' ? 'no-store' : 'max-age=3600' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
