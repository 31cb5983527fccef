// Training through the API: start validates the config and queues a job, status and metrics arrive as events,
// runs.get returns the metrics; bad configs name the key.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigHelp } from '../../../main/api/contract';
import { dispatch } from '../../../main/services/dispatch';
import { createRuntime } from '../../../main/services/runtime';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';
import { validateRunInputs } from '../../../main/runs/validate-inputs';

describe('training API', () => {
  // The toy trainer's 'toy' model and dataset are not folders: only the toy inputs pass this check.
  const toyInputsOnly = async (c: { model: string; dataset: string }) => {
    if (c.model !== 'toy' || c.dataset !== 'toy') await validateRunInputs(c as Parameters<typeof validateRunInputs>[0]);
  };
  const runtime = createRuntime({ shell: 'web', libraryRoot: tempDir(), spawnHost: toyHostSpawner(), validateRunInputs: toyInputsOnly });
  const events: string[] = [];
  runtime.subscribe((e) => events.push(e));
  afterAll(() => runtime.close());
  const config = { model: 'toy', dataset: 'toy', seqLen: 16, microBatch: 2, gradAccum: 1, maxSteps: 6, warmupSteps: 1, evalEvery: 3, checkpointEverySteps: 3 };

  it('starts a run, streams events, and reports metrics and checkpoints', async () => {
    const r = await dispatch('training.start', { config, name: 'API run' }, runtime.ctx);
    expect(r).toMatchObject({ ok: true, value: { name: 'API run', status: 'queued' } });
    const id = (r as { value: { id: string } }).value.id;
    await runtime.ctx.jobs.idle();
    const detail = await dispatch('runs.get', { id }, runtime.ctx);
    expect(detail).toMatchObject({ ok: true, value: { run: { status: 'completed', step: 6 } } });
    const v = (detail as { value: { metrics: unknown[]; checkpoints: unknown[] } }).value;
    expect(v.metrics.length).toBe(7); // step 0 (baseline eval) + 6 steps
    expect(v.checkpoints.length).toBeGreaterThan(0);
    expect(events).toEqual(expect.arrayContaining(['training.status', 'training.metrics', 'training.log']));
    expect((await dispatch('runs.list', undefined, runtime.ctx) as { value: unknown[] }).value.length).toBe(1);
    const log = (await dispatch('runs.log', { id, tail: 2 }, runtime.ctx)) as { value: { lines: string[]; truncated: boolean } };
    expect(log.value.lines.length).toBe(2);
    expect(log.value.lines[1]).toContain('completed 6 steps');
    expect(log.value.truncated).toBe(true);
    expect(v.checkpoints.length).toBe(detail.ok ? v.checkpoints.length : -1);
    expect((detail as { value: { run: { totalSteps: number } } }).value.run.totalSteps).toBe(6);
  });

  it('names a bad config key and refuses runs of unknown projects', async () => {
    expect(await dispatch('training.start', { config: { ...config, lora_rank: 8 } }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'api.invalidArgs', message: expect.stringContaining('config') } });
    expect(await dispatch('training.start', { config: { ...config, loraR: -1 } }, runtime.ctx)).toMatchObject({ ok: false, error: { message: expect.stringContaining('config.loraR') } });
    expect(await dispatch('training.start', { config, projectId: 'nope' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'projects.notFound' } });
    expect(await dispatch('training.start', { config: { ...config, warmupSteps: 10 } }, runtime.ctx)).toMatchObject({ ok: false, error: { message: expect.stringContaining('config.warmupSteps must be smaller than maxSteps') } });
    // Bad inputs are refused before a run folder exists: no failed run is left behind.
    const before = (await dispatch('runs.list', undefined, runtime.ctx) as { value: unknown[] }).value.length;
    const runsOnDisk = readdirSync(runtime.ctx.paths.runs).length;
    expect(await dispatch('training.start', { config: { ...config, model: join(runtime.ctx.paths.root, 'no-model') } }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'model.notFound', message: expect.stringContaining('config key "model"') } });
    const modelDir = join(runtime.ctx.paths.root, 'bad-model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'config.json'), '{"model_type": "llama",');
    expect(await dispatch('training.start', { config: { ...config, model: modelDir } }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'model_config_invalid', message: expect.stringContaining('config.json') } });
    expect((await dispatch('runs.list', undefined, runtime.ctx) as { value: unknown[] }).value.length).toBe(before);
    expect(readdirSync(runtime.ctx.paths.runs).length).toBe(runsOnDisk);
    expect(await dispatch('training.pause', { id: 'run-missing' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'runs.notFound' } });
  });

  it('explains every config key with its default', async () => {
    const r = (await dispatch('training.configHelp', undefined, runtime.ctx)) as { value: ConfigHelp };
    expect(r.value.loraR).toEqual({ help: expect.stringContaining('Rank 16'), default: 16, kind: 'integer', min: 1, max: 512, optional: false });
    expect(r.value.quant).toMatchObject({ kind: 'enum', options: ['nf4', 'int8', 'none'] });
    expect(r.value.loraTargets).toMatchObject({ kind: 'list', options: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    expect(r.value.maxSteps).toMatchObject({ kind: 'integer', optional: true });
    expect(r.value.learningRate).toMatchObject({ kind: 'number', min: 0, max: 1, minExclusive: true });
    expect(r.value.loraDropout.minExclusive).toBeUndefined();
    expect(r.value.model.default).toBeNull();
  });

  it('refuses relative and missing model paths with a hint', async () => {
    expect(await dispatch('models.inspect', { path: 'models/x' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'models.relativePath' } });
    expect(await dispatch('models.inspect', { path: '/no/such/model' }, runtime.ctx)).toMatchObject({ ok: false, error: { code: 'models.notFound', hint: expect.any(String) } });
  });
});
