// The library gate behind the desktop app and `lathe serve`: a damaged library still serves its status, refuses other
// calls with the reason, and rebuilds on request, after which every call works; a library in use is 'unavailable'.
import { truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libraryPaths } from '../../../main/library/paths';
import { openLibraryGate } from '../../../main/services/library-gate';
import { createRuntime } from '../../../main/services/runtime';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

describe('library gate', () => {
  it('serves a damaged library\'s status, rebuilds it on request, then opens it', async () => {
    const root = tempDir();
    const first = createRuntime({ shell: 'web', libraryRoot: root, spawnHost: toyHostSpawner() });
    await first.ctx.jobs.idle();
    const { dispatch } = await import('../../../main/services/dispatch');
    await dispatch('projects.create', { name: 'Kept' }, first.ctx);
    await first.close();
    truncateSync(libraryPaths(root).database, 2000);

    const gate = openLibraryGate({ shell: 'web', libraryRoot: root, spawnHost: toyHostSpawner() });
    expect(await gate.dispatch('library.status', undefined)).toMatchObject({ ok: true, value: { state: 'damaged', root, problem: { code: 'library.corrupt', hint: expect.stringContaining('lathe library rebuild') } } });
    expect(await gate.dispatch('projects.list', undefined)).toMatchObject({ ok: false, error: { code: 'library.corrupt' } });
    const events: string[] = [];
    gate.subscribe((e) => events.push(e));

    const rebuilt = await gate.dispatch('library.rebuild', undefined);
    expect(rebuilt).toMatchObject({ ok: true, value: { projects: 1, runs: 0, problems: [], keptAs: [expect.stringContaining('library.sqlite.damaged-')] } });
    expect(await gate.dispatch('library.status', undefined)).toMatchObject({ ok: true, value: { state: 'ok' } });
    expect(await gate.dispatch('projects.list', undefined)).toMatchObject({ ok: true, value: [{ name: 'Kept' }] });
    // Events of the now open runtime reach listeners that subscribed while it was closed.
    await gate.dispatch('projects.create', { name: 'New' });
    expect(events).toContain('projects.changed');
    // A healthy library is not rebuilt under a running app.
    expect(await gate.dispatch('library.rebuild', undefined)).toMatchObject({ ok: false, error: { code: 'library.healthy' } });
    await gate.close();
  });

  it('reports a library held by another app as unavailable, without a rebuild, and opens it once free', async () => {
    const root = tempDir();
    const holder = createRuntime({ shell: 'electron', libraryRoot: root, spawnHost: toyHostSpawner() });
    const gate = openLibraryGate({ shell: 'web', libraryRoot: root, spawnHost: toyHostSpawner() });
    expect(gate.status()).toMatchObject({ state: 'unavailable', problem: { code: 'library.inUse', message: expect.stringContaining('the Lathe desktop app') } });
    expect(await gate.dispatch('library.rebuild', undefined)).toMatchObject({ ok: false, error: { code: 'library.notDamaged' } });
    expect(await gate.dispatch('projects.list', undefined)).toMatchObject({ ok: false, error: { code: 'library.inUse' } });
    // Once the other app closes, asking again ("Try again") opens the library.
    await holder.close();
    expect(await gate.dispatch('library.status', undefined)).toMatchObject({ ok: true, value: { state: 'ok' } });
    expect(await gate.dispatch('projects.list', undefined)).toMatchObject({ ok: true, value: [] });
    await gate.close();
  });
});
