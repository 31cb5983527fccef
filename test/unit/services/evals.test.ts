// The evals.* API through dispatch: hostile and malformed arguments are refused before a handler runs, and handler
// errors say what is missing (no run, no ratings, bad target) without touching the engine.
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../main/services/dispatch';
import { fakeRuntime } from '../../helpers/fake-runtime';

describe('evals API', () => {
  const runtime = fakeRuntime();
  afterAll(() => runtime.close());
  const call = (m: string, a: unknown) => dispatch(m, a, runtime.ctx);
  const settings = { temperature: 0.7, topP: 0.9, maxNewTokens: 8, seed: 1, sameSeed: true };

  it('refuses malformed and hostile arguments', async () => {
    expect(await call('evals.run', { source: { kind: 'everything' } })).toMatchObject({ ok: false });
    expect(await call('evals.run', { source: { kind: 'data', path: '' } })).toMatchObject({ ok: false });
    expect(await call('evals.run', { source: { kind: 'validation' }, extra: 1 })).toMatchObject({ ok: false });
    expect(await call('evals.run', JSON.parse('{"source":{"kind":"validation"},"__proto__":{"x":1}}'))).toMatchObject({ ok: false });
    expect(await call('evals.chat', { chatId: crypto.randomUUID(), sides: ['base', 'adapter', 'base'], messages: [{ role: 'user', content: 'hi' }], settings })).toMatchObject({ ok: false });
    expect(await call('evals.chat', { chatId: crypto.randomUUID(), sides: ['base'], messages: [{ role: 'user', content: 'hi' }], settings: { ...settings, topP: 0 } })).toMatchObject({ ok: false });
    expect(await call('evals.abRate', { id: 'ab-x', choice: 'maybe' })).toMatchObject({ ok: false });
  });

  it('says what is missing', async () => {
    expect(await call('evals.run', { source: { kind: 'validation' } })).toMatchObject({ ok: false, error: { code: 'invalid_option' } });
    expect(await call('evals.run', { model: '/nowhere', source: { kind: 'validation' } })).toMatchObject({ ok: false, error: { code: 'evals.noRun' } });
    expect(await call('evals.run', { runId: 'run-none', source: { kind: 'validation' } })).toMatchObject({ ok: false, error: { code: 'runs.notFound' } });
    const project = await call('projects.create', { name: 'ratings' });
    const projectId = (project as { value: { id: string } }).value.id;
    expect(await call('evals.abExport', { projectId })).toMatchObject({ ok: false, error: { code: 'evals.noRatings' } });
    expect(await call('evals.abRate', { id: 'ab-missing', choice: 'a' })).toMatchObject({ ok: false, error: { code: 'evals.noPair' } });
    expect(await call('evals.list', { projectId })).toEqual({ ok: true, value: [] });
  });
});
