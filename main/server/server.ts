// Web mode: serves the renderer over HTTP and carries the typed API over a WebSocket. Loopback by default; every
// WebSocket connection and upload must present the random token printed in the URL (like Jupyter).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, WS_PATH, type CallMessage, type ServerMessage } from '../api/wire';
import { gateOf, type LibraryGate } from '../services/library-gate';
import type { Runtime } from '../services/runtime';
import { serveStatic } from './static-files';
import { handleUpload } from './upload';
import { sweepUploads, UPLOAD_LIMITS, type UploadLimits } from '../library/uploads';

export interface WebServerOptions {
  /** The open library, or a gate that can also serve a damaged one (its start screen offers the rebuild). */
  runtime?: Runtime;
  gate?: LibraryGate;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); otherwise 24 random bytes. */
  token?: string;
  /** Size and age limits of the uploads folder (tests pass small ones). */
  uploadLimits?: UploadLimits;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function tokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseCall(data: unknown): CallMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(String(data));
  } catch {
    return null;
  }
  const m = msg as Partial<CallMessage> | null;
  if (!m || typeof m !== 'object' || m.type !== 'call' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || typeof m.method !== 'string') return null;
  return m as CallMessage;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('hex');
  const gate = opts.gate ?? gateOf(opts.runtime!);
  const sockets = new Set<WebSocket>();

  // DNS-rebinding guard: only answer requests addressed to the host we bound (or loopback names when bound to loopback).
  const hostAllowed = (req: IncomingMessage, port: number): boolean => {
    const h = (req.headers.host ?? '').toLowerCase();
    const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
    if (isLoopback(host)) return isLoopback(name);
    return name === host.toLowerCase() || h === `${host}:${port}`;
  };

  // A browser sends Origin on WebSocket and POST requests: only pages served by this server itself (same scheme, host
  // and port as the request addressed) may use them, not any other page on a loopback port. Non-browser clients send none.
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${(req.headers.host ?? '').toLowerCase()}`;
  };

  // Uploads never imported and older than the age limit go at start, not only at the next upload.
  sweepUploads(gate.uploadsDir, opts.uploadLimits ?? UPLOAD_LIMITS);

  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    if (!hostAllowed(req, port)) {
      res.writeHead(421).end('misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/upload') {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      if (!originAllowed(req)) {
        res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'auth.origin', message: `Uploads are accepted only from pages of this server, not from ${req.headers.origin}.`, hint: 'Open the URL that `lathe serve` printed.' } }));
        return;
      }
      if (!tokenMatches(token, url.searchParams.get('token'))) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'auth', message: 'Missing or wrong token.', hint: 'Open the URL that `lathe serve` printed.' } }));
        return;
      }
      void handleUpload(gate.uploadsDir, req, res, opts.uploadLimits);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(opts.rendererDir, req, res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const port = (server.address() as AddressInfo).port;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH || !hostAllowed(req, port) || !originAllowed(req) || !tokenMatches(token, url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const send = (msg: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const unsubscribe = gate.subscribe((event, payload) => send({ type: 'event', event, payload }));
    ws.on('message', async (data) => {
      const call = parseCall(data);
      if (!call) {
        send({ type: 'result', id: -1, ok: false, error: { code: 'api.badMessage', message: 'The message is not a valid API call.', hint: 'Send {type:"call", id, method, args} as JSON.' } });
        return;
      }
      const result = await gate.dispatch(call.method, call.args);
      send(result.ok ? { type: 'result', id: call.id, ok: true, value: result.value } : { type: 'result', id: call.id, ok: false, error: result.error });
    });
    ws.on('close', () => {
      unsubscribe();
      sockets.delete(ws);
    });
    // ws closes the socket itself after an error (1009 for an oversized message); nothing else to do.
    ws.on('error', () => {});
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 7860, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    server,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
