// API dispatch: unknown methods and hostile arguments are refused with {code, message, hint}; valid calls reach handlers.
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../main/services/dispatch';
import { fakeRuntime } from '../../helpers/fake-runtime';

describe('dispatch', () => {
  const runtime = fakeRuntime();
  const ctx = runtime.ctx;
  afterAll(() => runtime.close());

  it('refuses an unknown method without side effects', async () => {
    const r = await dispatch('projects.dropAll', {}, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'api.unknownMethod' } });
    expect(await dispatch('__proto__', {}, ctx)).toMatchObject({ ok: false, error: { code: 'api.unknownMethod' } });
    expect(await dispatch('toString', {}, ctx)).toMatchObject({ ok: false, error: { code: 'api.unknownMethod' } });
  });

  it('creates, lists, renames and deletes projects', async () => {
    const created = await dispatch('projects.create', { name: '  Contact notes  ' }, ctx);
    expect(created).toMatchObject({ ok: true, value: { name: 'Contact notes' } });
    const id = (created as { value: { id: string } }).value.id;
    expect(await dispatch('projects.rename', { id, name: 'Cards' }, ctx)).toMatchObject({ ok: true, value: { name: 'Cards' } });
    const list = await dispatch('projects.list', undefined, ctx);
    expect((list as { value: { name: string }[] }).value.map((p) => p.name)).toEqual(['Cards']);
    expect(await dispatch('projects.delete', { id }, ctx)).toEqual({ ok: true, value: { deleted: true } });
  });

  it('names the field and gives a hint for invalid arguments', async () => {
    const r = await dispatch('projects.create', { name: '   ' }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'api.invalidArgs', message: expect.stringContaining('name'), hint: expect.any(String) } });
    const long = await dispatch('projects.create', { name: 'x'.repeat(500) }, ctx);
    expect(long).toMatchObject({ ok: false, error: { code: 'api.invalidArgs', message: expect.stringContaining('120') } });
  });

  it('rejects hostile arguments: prototype keys, 10 MB strings, unknown keys, path-like ids', async () => {
    const polluted = JSON.parse('{"name":"ok","__proto__":{"admin":true}}');
    expect(await dispatch('projects.create', polluted, ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs', message: expect.stringContaining('__proto__') } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const nested = JSON.parse('{"name":"ok","description":"d","x":{"constructor":{"prototype":{}}}}');
    expect(await dispatch('projects.create', nested, ctx)).toMatchObject({ ok: false });
    expect(await dispatch('projects.create', { name: 'a'.repeat(10 * 1024 * 1024) }, ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('projects.create', { name: 'ok', extra: 1 }, ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('projects.delete', { id: '../../etc/passwd' }, ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    expect(await dispatch('projects.rename', 'not an object', ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs' } });
    // Still serving after all that.
    expect(await dispatch('projects.list', {}, ctx)).toMatchObject({ ok: true });
  });

  it('turns handler errors into codes with hints', async () => {
    const r = await dispatch('projects.rename', { id: 'no-such-project', name: 'x' }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'projects.notFound', hint: expect.any(String) } });
  });

  it('reports system info through the engine host', async () => {
    const r = await dispatch('system.info', {}, ctx);
    expect(r).toMatchObject({ ok: true, value: { cpu: { model: 'Fake CPU' }, engine: { backends: ['cpu'] } } });
    expect(await dispatch('app.info', undefined, ctx)).toMatchObject({ ok: true, value: { name: 'Lathe', shell: 'web' } });
  });
});
