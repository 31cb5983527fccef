// The real engine host process under the supervisor: probing the native engine, cancellation, and surviving a kill -9.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostCrash } from '../../main/api/contract';
import { hostEntryPath, nodeHostSpawner } from '../../main/runs/host-process';
import { EngineSupervisor } from '../../main/runs/supervisor';

const entry = hostEntryPath();

describe('engine host process', () => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before the integration tests (npm test does).`);
  const crashes: HostCrash[] = [];
  const supervisor = new EngineSupervisor({ spawn: nodeHostSpawner(entry), onCrash: (c) => crashes.push(c) });
  afterAll(() => supervisor.stop());

  it('loads the native engine and reports CPU features and backends', async () => {
    const probe = await supervisor.request('system.probe', {});
    expect(probe.engineVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(probe.available).toContain('cpu');
    expect(typeof probe.cpu.avx2).toBe('boolean');
    expect(probe.cpu.hardwareThreads).toBeGreaterThan(0);
  });

  it('streams progress events and honours cancellation', async () => {
    const events: unknown[] = [];
    const abort = new AbortController();
    const pending = supervisor.request('debug.sleep', { ms: 10_000, everyMs: 20 }, { signal: abort.signal, onEvent: (e) => events.push(e.payload) });
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(events.length).toBeGreaterThan(0);
  });

  it('reports a killed host clearly, keeps main running, and starts a fresh host on the next request', async () => {
    const before = await supervisor.start();
    const pid = before.pid!;
    const pending = supervisor.request('debug.sleep', { ms: 30_000 });
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'engine.hostCrashed', message: expect.stringContaining('SIGKILL') });
    expect(crashes.at(-1)).toMatchObject({ signal: 'SIGKILL', job: 'debug.sleep' });
    const probe = await supervisor.request('system.probe', {});
    expect(probe.available).toContain('cpu');
    expect(supervisor.pid).not.toBe(pid);
  });

  it('answers an unknown host operation with an error, not a crash', async () => {
    await expect(supervisor.request('no.such.op' as 'system.probe', {})).rejects.toMatchObject({ code: 'host.unknownOp' });
  });
});
