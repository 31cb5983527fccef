// The Train step's pure helpers: form fields from configHelp, the config sent to training.start, which field a server
// error names, metric merging on resume, ETA from step timestamps, and status rules.
import { describe, expect, it } from 'vitest';
import type { Run, RunMetric } from '../../../main/api/contract';
import { configHelp as serverHelp, configKinds, resolveTrainingConfig, TrainingConfigObject } from '../../../main/api/training-config';
import { buildConfig, configFields, configKeyOf, formatValue, parseOverrides, PRIMARY_KEYS } from '../../../renderer/src/pages/train/config-form';
import { toApiError } from '../../../renderer/src/api/errors';
import { PRESETS } from '../../../renderer/src/pages/train/presets';
import { cloneOverrides } from '../../../renderer/src/pages/train/clone';
import {
  bestCheckpointStep,
  canCancel,
  canPause,
  canResume,
  etaSeconds,
  formatDuration,
  mergeMetric,
  secondsPerStep,
  totalStepsOf,
} from '../../../renderer/src/pages/train/run-math';

const metric = (step: number, atSeconds: number, loss = 1): RunMetric => ({
  step,
  loss,
  lr: 1e-4,
  gradNorm: 1,
  tokensPerSecond: 100,
  evalLoss: null,
  memoryBytes: null,
  skipped: null,
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, atSeconds)).toISOString(),
});

const run = (patch: Partial<Run>): Run => ({
  id: 'run-x',
  projectId: null,
  name: 'x',
  status: 'running',
  runDir: '/r',
  config: {},
  step: 0,
  totalSteps: 0,
  lastLoss: null,
  bestEvalLoss: null,
  error: null,
  hostPid: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  ...patch,
});

/** What training.configHelp answers (same construction as the server handler). */
function help() {
  const defaults = TrainingConfigObject.partial({ model: true, dataset: true }).parse({}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(serverHelp).map(([k, h]) => [k, { help: h, default: defaults[k] ?? null, ...configKinds[k as keyof typeof configKinds] }]));
}

describe('config form', () => {
  const fields = configFields(help());

  it('has a field for every key the server knows, with the server’s default and reason', () => {
    expect(fields.map((f) => f.key).sort()).toEqual(Object.keys(serverHelp).sort());
    const lr = fields.find((f) => f.key === 'learningRate')!;
    expect(lr.defaultValue).toBe(2e-4);
    expect(lr.help).toBe(serverHelp.learningRate);
    expect(lr.kind).toEqual({ type: 'number', integer: false });
    expect(fields.find((f) => f.key === 'loraR')!.kind).toEqual({ type: 'number', integer: true });
    expect(fields.find((f) => f.key === 'packing')!.kind.type).toBe('boolean');
    expect(fields.find((f) => f.key === 'maxSteps')!.kind).toEqual({ type: 'number', integer: true });
    expect(fields.find((f) => f.key === 'loraTargets')!.kind).toEqual({ type: 'multi', options: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
  });

  it('offers exactly the values the schema accepts for every choice field', () => {
    for (const f of fields) {
      if (f.kind.type !== 'choice') continue;
      for (const option of f.kind.options) {
        expect(() => resolveTrainingConfig({ model: '/m', dataset: '/d', [f.key]: option }), `${f.key}=${option}`).not.toThrow();
      }
      // An optional choice without a default (chatTemplate) offers "default" besides the options.
      if (f.defaultValue !== null) expect(f.kind.options).toContain(f.defaultValue);
    }
  });

  it('takes template variables as name=value pairs the server accepts, and names a malformed pair', () => {
    const f = fields.find((x) => x.key === 'templateVars')!;
    expect(f.kind).toEqual({ type: 'pairs' });
    expect(f.group).toBe('Data');
    const ok = parseOverrides(fields, { templateVars: 'enable_thinking=false, lang=de, depth=2' });
    expect(ok.error).toBeUndefined();
    expect(ok.values.templateVars).toEqual({ enable_thinking: false, lang: 'de', depth: 2 });
    expect(resolveTrainingConfig({ model: 'm', dataset: 'd', templateVars: ok.values.templateVars }).templateVars).toEqual({ enable_thinking: false, lang: 'de', depth: 2 });
    const bad = parseOverrides(fields, { templateVars: 'enable_thinking false' });
    expect(bad.error?.key).toBe('templateVars');
    expect(bad.error?.message).toContain('“enable_thinking false” is not name=value');
    expect(formatValue({ enable_thinking: false })).toBe('enable_thinking=false');
  });

  it('edits the mixture as rows the server accepts, and names an unfinished row', () => {
    const f = fields.find((x) => x.key === 'mixture')!;
    expect(f.kind).toEqual({ type: 'mixture' });
    const rows = [JSON.stringify({ dataset: 'ds-code', weight: 3 }), JSON.stringify({ dataset: 'ds-chat', weight: 1, chatTemplate: 'chatml' })];
    const ok = parseOverrides(fields, { mixture: rows });
    expect(ok.error).toBeUndefined();
    const config = resolveTrainingConfig({ model: 'm', dataset: 'd', mixture: ok.values.mixture });
    expect(config.mixture).toEqual([{ dataset: 'ds-code', weight: 3 }, { dataset: 'ds-chat', weight: 1, chatTemplate: 'chatml' }]);
    expect(parseOverrides(fields, { mixture: [JSON.stringify({ dataset: '', weight: 1 })] }).error?.message).toContain('dataset 1 of the mixture is not chosen');
    expect(parseOverrides(fields, { mixture: [JSON.stringify({ dataset: 'x', weight: -1 })] }).error?.key).toBe('mixture');
    // A cloned run's mixture and template variables come back as the form holds them, and parse to the same config.
    const cloned = cloneOverrides({ mixture: config.mixture, templateVars: { enable_thinking: false } }, new Set());
    const again = parseOverrides(fields, cloned);
    expect(again.values.mixture).toEqual(config.mixture);
    expect(again.values.templateVars).toEqual({ enable_thinking: false });
  });

  it('builds a config every preset of which the server accepts, omitting unset keys', () => {
    for (const p of PRESETS) {
      const c = buildConfig({ model: ' /models/m ', dataset: '/d.jsonl' }, p.config as Record<string, unknown>, { maxSteps: undefined, validationDataset: '' });
      expect(c.model).toBe('/models/m');
      expect('maxSteps' in c).toBe(false);
      expect('validationDataset' in c).toBe(false);
      const resolved = resolveTrainingConfig(c);
      for (const [k, v] of Object.entries(p.config)) expect(resolved[k as keyof typeof resolved]).toEqual(v);
    }
    expect(buildConfig({ model: 'm', dataset: 'd' }, { loraR: 8 }, { loraR: 4 }).loraR).toBe(4);
  });

  it('finds the key a server error is about from the field it names, not from its words', async () => {
    const keys = ['model', 'dataset', ...fields.map((f) => f.key)];
    // API validation (dispatch) names "config.<key>", with the problem in words about the field.
    const { dispatch } = await import('../../../main/services/dispatch');
    const res = await dispatch('training.start', { config: { model: '/m', dataset: '/d', loraR: 0 } }, {} as never);
    expect(res.ok).toBe(false);
    const apiErr = toApiError(!res.ok ? res.error : undefined);
    expect(apiErr.field).toBe('config.loraR');
    expect(apiErr.fieldMessage).toBe('must be at least 1');
    expect(configKeyOf(apiErr.field, keys)).toBe('loraR');
    // A cross-field config check (as the engine host's fit check throws it) names its key directly.
    let thrown: unknown;
    try {
      resolveTrainingConfig({ model: 'm', dataset: 'd', maxSteps: 4 });
    } catch (e) {
      thrown = e;
    }
    const hostErr = toApiError(JSON.parse(JSON.stringify((thrown as { toJSON(): unknown }).toJSON())));
    expect(configKeyOf(hostErr.field, keys)).toBe('warmupSteps');
    expect(hostErr.fieldMessage).toMatch(/^must be smaller than maxSteps/);
    expect(configKeyOf('config.mixture.0.dataset', keys)).toBe('mixture');
    expect(configKeyOf(undefined, keys)).toBeUndefined();
    expect(configKeyOf('config.nope', keys)).toBeUndefined();
    expect(PRIMARY_KEYS.has('model') && PRIMARY_KEYS.has('dataset')).toBe(true);
  });
});

describe('run math', () => {
  it('merges live metrics, replacing re-trained steps after a resume', () => {
    let list = [metric(1, 0), metric(2, 1), metric(3, 2)];
    list = mergeMetric(list, metric(4, 3));
    expect(list.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    list = mergeMetric(list, metric(3, 10, 0.5));
    expect(list.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(list[2].loss).toBe(0.5);
  });

  it('estimates seconds per step and the time left from recent steps', () => {
    expect(secondsPerStep([metric(1, 0)])).toBeNull();
    const list = Array.from({ length: 10 }, (_, i) => metric(i + 1, i * 2));
    expect(secondsPerStep(list)).toBeCloseTo(2);
    expect(etaSeconds(list, 20)).toBeCloseTo(20);
    expect(etaSeconds(list, null)).toBeNull();
    // Only the last 20 steps count: a slow start does not skew the estimate.
    const slowStart = [metric(1, 0), ...Array.from({ length: 30 }, (_, i) => metric(i + 2, 100 + i))];
    expect(secondsPerStep(slowStart)).toBeCloseTo(1);
  });

  it('knows the total steps from the run or from maxSteps', () => {
    expect(totalStepsOf(run({ totalSteps: 12 }))).toBe(12);
    expect(totalStepsOf(run({ config: { maxSteps: 5 } }))).toBe(5);
    expect(totalStepsOf(run({}))).toBeNull();
  });

  it('offers only the actions the job manager allows', () => {
    expect(canPause('running') && canCancel('running') && !canResume('running')).toBe(true);
    expect(canResume('interrupted') && canResume('paused') && canResume('failed')).toBe(true);
    expect(canResume('completed') || canPause('completed') || canCancel('completed')).toBe(false);
  });

  it('formats durations and picks the best checkpoint', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(200)).toBe('3m 20s');
    expect(formatDuration(7500)).toBe('2h 05m');
    expect(bestCheckpointStep([{ step: 10, evalLoss: 1.2 }, { step: 20, evalLoss: 0.9 }, { step: 30, evalLoss: null }])).toBe(20);
    expect(bestCheckpointStep([{ step: 10, evalLoss: null }])).toBeNull();
  });
});
