// The web-mode API client over a fake socket: call/result pairing, errors, events, queueing while disconnected,
// reconnect backoff, and the local size limit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../../main/api/wire';
import { ApiError } from '../../../renderer/src/api/errors';
import { createWsClient, type SocketLike, type WsClient } from '../../../renderer/src/api/ws-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { type: string; id: number; method: string; args?: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
}

describe('createWsClient', () => {
  let sockets: FakeSocket[];
  let client: WsClient;
  const last = () => sockets[sockets.length - 1];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    client = createWsClient({
      url: 'ws://host/api?token=t',
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      initialDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 0,
    });
  });
  afterEach(() => {
    client.close();
    vi.useRealTimers();
  });

  it('connects to the given URL and pairs results with calls by id', async () => {
    expect(last().url).toBe('ws://host/api?token=t');
    expect(client.connection.get().status).toBe('connecting');
    last().open();
    const a = client.api.projects.list();
    const b = client.api.projects.create({ name: 'x' });
    const [ma, mb] = last().sent;
    expect(ma).toEqual({ type: 'call', id: ma.id, method: 'projects.list' });
    expect(mb).toMatchObject({ type: 'call', method: 'projects.create', args: { name: 'x' } });
    expect(ma.id).not.toBe(mb.id);
    // Answered out of order.
    last().receive({ type: 'result', id: mb.id, ok: true, value: { id: 'x' } });
    last().receive({ type: 'result', id: ma.id, ok: true, value: [] });
    expect(await a).toEqual([]);
    expect(await b).toEqual({ id: 'x' });
  });

  it('rejects with an ApiError carrying the server code, message and hint', async () => {
    last().open();
    const p = client.api.projects.rename({ id: 'a', name: '' });
    last().receive({ type: 'result', id: last().sent[0].id, ok: false, error: { code: 'api.invalidArgs', message: 'name must not be empty', hint: 'type one' } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'api.invalidArgs', message: 'name must not be empty', hint: 'type one' });
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    last().open();
    const seen: unknown[] = [];
    const off = client.api.on('projects.changed', (p) => seen.push(p));
    last().receive({ type: 'event', event: 'projects.changed', payload: { ids: ['a'] } });
    last().receive({ type: 'event', event: 'engine.hostCrashed', payload: {} });
    off();
    last().receive({ type: 'event', event: 'projects.changed', payload: { ids: ['b'] } });
    expect(seen).toEqual([{ ids: ['a'] }]);
  });

  it('is not mistaken for a promise', () => {
    expect((client.api as unknown as { then?: unknown }).then).toBeUndefined();
    expect((client.api.projects as unknown as { then?: unknown }).then).toBeUndefined();
  });

  it('queues calls made before the socket opens and sends them on open', async () => {
    const p = client.api.app.info();
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().sent.map((m) => m.method)).toEqual(['app.info']);
    last().receive({ type: 'result', id: last().sent[0].id, ok: true, value: { name: 'Lathe' } });
    expect(await p).toEqual({ name: 'Lathe' });
  });

  it('rejects calls in flight when the socket drops, then reconnects with doubling backoff', async () => {
    last().open();
    const inFlight = client.api.projects.list();
    const states: string[] = [];
    client.connection.subscribe((s) => states.push(`${s.status}:${s.attempt}`));
    last().drop();
    await expect(inFlight).rejects.toMatchObject({ code: 'disconnected' });
    expect(client.connection.get()).toMatchObject({ status: 'reconnecting', attempt: 1 });

    // Attempt 1 after 100 ms fails; attempt 2 waits 200 ms, attempt 3 waits 400 ms.
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().drop();
    expect(client.connection.get().attempt).toBe(3);

    // A call made while down waits for the next socket.
    const queued = client.api.projects.list();
    vi.advanceTimersByTime(400);
    expect(sockets).toHaveLength(4);
    last().open();
    expect(client.connection.get()).toMatchObject({ status: 'open', attempt: 0 });
    last().receive({ type: 'result', id: last().sent[0].id, ok: true, value: ['p'] });
    expect(await queued).toEqual(['p']);
    expect(states).toEqual(['reconnecting:1', 'reconnecting:2', 'reconnecting:3', 'open:0']);
  });

  it('caps the backoff at maxDelayMs', () => {
    last().drop();
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(1000);
      last().drop();
    }
    const s = client.connection.get();
    expect(s.attempt).toBeGreaterThan(5);
    expect(s.retryAt! - Date.now()).toBe(1000);
  });

  it('retryNow skips the wait', () => {
    last().drop();
    client.connection.retryNow();
    expect(sockets).toHaveLength(2);
  });

  it('refuses a call larger than the transport limit without sending it (the server would drop the socket)', async () => {
    last().open();
    const err = await client.api.projects.create({ name: 'a'.repeat(MAX_MESSAGE_BYTES) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'too_large' });
    expect(last().sent).toEqual([]);
    expect(client.connection.get().status).toBe('open');
  });

  it('close() rejects pending calls and stops reconnecting', async () => {
    const p = client.api.projects.list();
    client.close();
    await expect(p).rejects.toMatchObject({ code: 'closed' });
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect(client.connection.get().status).toBe('closed');
  });
});
