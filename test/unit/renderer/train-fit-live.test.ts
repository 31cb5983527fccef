// The Train step's newer pure helpers: bounds from configHelp and the form's own checks, the fit check's memory bar and
// suggestion, and the live dashboard's bookkeeping (time per step across pauses, fetched vs live metrics, log history,
// the step a stopped run stands at).
import { describe, expect, it } from 'vitest';
import type { FitCheck, Run, StepMetrics } from '../../../main/api/contract';
import { configHelp as serverHelp, configKinds, resolveTrainingConfig, TrainingConfigObject } from '../../../main/api/training-config';
import { buildConfig, configFields, parseOverrides, rangeText } from '../../../renderer/src/pages/train/config-form';
import { configKey, formatShare, hostMemory, memoryBar, suggestionOverrides } from '../../../renderer/src/pages/train/fit-math';
import { runMetricOf } from '../../../main/runs/run-index';
import {
  byteTicks,
  displayStep,
  formatDuration,
  mergeFetched,
  parseLogLine,
  secondsPerStep,
  trainingSteps,
  withLogHistory,
  type ChartMetric,
  type LiveDetail,
} from '../../../renderer/src/pages/train/run-math';

function help() {
  const defaults = TrainingConfigObject.partial({ model: true, dataset: true }).parse({}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(serverHelp).map(([k, h]) => [k, { help: h, default: defaults[k] ?? null, ...configKinds[k as keyof typeof configKinds] }]));
}

const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();
const metric = (step: number, atSeconds: number, patch: Partial<ChartMetric> = {}): ChartMetric => ({
  step,
  loss: 2,
  lr: 1e-4,
  gradNorm: 1,
  tokensPerSecond: 100,
  evalLoss: null,
  memoryBytes: null,
  skipped: null,
  at: at(atSeconds),
  ...patch,
});

const run = (patch: Partial<Run>): Run => ({
  id: 'run-x',
  projectId: null,
  name: 'x',
  status: 'running',
  runDir: '/r',
  config: {},
  step: 0,
  totalSteps: 100,
  lastLoss: null,
  bestEvalLoss: null,
  error: null,
  hostPid: null,
  createdAt: at(0),
  updatedAt: at(0),
  startedAt: at(0),
  finishedAt: null,
  ...patch,
});

describe('bounds and form checks', () => {
  const fields = configFields(help());
  const field = (key: string) => fields.find((f) => f.key === key)!;

  it('takes the schema’s bounds, and leaves out the “no bound” zod reports for integers', () => {
    expect([field('loraR').min, field('loraR').max]).toEqual([1, 512]);
    expect(rangeText(field('loraR'))).toBe('1 – 512');
    expect(rangeText(field('seqLen'))).toBe('16 – 131,072');
    expect(rangeText(field('loraDropout'))).toBe('0 – 0.9');
    // Strictly positive keys say so, and the form refuses the bound itself.
    expect(rangeText(field('learningRate'))).toBe('above 0, at most 1');
    expect(rangeText(field('loraAlpha'))).toBe('above 0, at most 4,096');
    // evalEvery: int, min 0, no max. zod says max = MAX_SAFE_INTEGER; that is not shown.
    expect(field('evalEvery').max).toBeUndefined();
    expect(rangeText(field('evalEvery'))).toBe('at least 0');
    for (const f of fields) {
      if (f.min !== undefined) expect(Math.abs(f.min), f.key).toBeLessThan(Number.MAX_SAFE_INTEGER);
      if (f.max !== undefined) expect(f.max, f.key).toBeLessThan(Number.MAX_SAFE_INTEGER);
    }
  });

  it('names a setting that is out of range, not a number or not whole, before anything is sent', () => {
    expect(parseOverrides(fields, { loraR: '0' }).error).toMatchObject({ key: 'loraR', code: 'form.outOfRange' });
    expect(parseOverrides(fields, { loraR: '0' }).error?.message).toBe('LoRA rank (r): 0 is out of range; it must be between 1 and 512.');
    expect(parseOverrides(fields, { seqLen: '8' }).error?.hint).toContain('16 – 131,072');
    expect(parseOverrides(fields, { evalEvery: '-1' }).error?.message).toContain('at least 0');
    expect(parseOverrides(fields, { learningRate: 'fast' }).error).toMatchObject({ key: 'learningRate', code: 'form.notANumber' });
    expect(parseOverrides(fields, { microBatch: '2.5' }).error).toMatchObject({ key: 'microBatch', code: 'form.notAnInteger' });
    // Edges are inside; empty means "the default"; other kinds pass through.
    const ok = parseOverrides(fields, { loraR: '512', loraDropout: '0.9', maxSteps: ' ', packing: true, schedule: 'linear', loraTargets: ['q'] });
    expect(ok.error).toBeUndefined();
    expect(ok.values).toEqual({ loraR: 512, loraDropout: 0.9, maxSteps: undefined, packing: true, schedule: 'linear', loraTargets: ['q'] });
    // Whatever the form lets through, the server accepts.
    expect(() => resolveTrainingConfig(buildConfig({ model: '/m', dataset: '/d' }, {}, ok.values))).not.toThrow();
  });
});

const fit = (plan: Partial<FitCheck['plan']>, budgetBytes: number): Pick<FitCheck, 'plan' | 'plannedBytes' | 'budgetBytes'> => {
  const full = { weights: 0, lora: 0, kvCache: 0, activations: 0, scratch: 0, optimizer: 0, ...plan, total: 0 };
  full.total = full.weights + full.lora + full.kvCache + full.activations + full.scratch + full.optimizer;
  return { plan: full, plannedBytes: full.total, budgetBytes };
};

describe('fit check', () => {
  it('draws the plan’s arenas against what a run may use, and the budget line when it does not fit', () => {
    const fits = memoryBar(fit({ weights: 300, lora: 100, activations: 100 }, 1000));
    expect(fits.segments.map((s) => [s.key, s.width])).toEqual([
      ['weights', 0.3],
      ['lora', 0.1],
      ['activations', 0.1],
    ]);
    expect(fits.segments.map((s) => s.share)).toEqual([0.6, 0.2, 0.2]);
    expect([fits.budgetAt, fits.overBytes, fits.usedShare]).toEqual([1, 0, 0.5]);
    // Over budget: the bar's full width is the plan, the budget line sits inside it.
    const over = memoryBar(fit({ weights: 1000, activations: 3000 }, 1000));
    expect(over.segments.reduce((s, x) => s + x.width, 0)).toBeCloseTo(1);
    expect([over.budgetAt, over.overBytes, over.usedShare]).toEqual([0.25, 3000, 4]);
    expect(formatShare(over.usedShare)).toBe('4.0×');
    expect(formatShare(0.5)).toBe('50%');
    expect(formatShare(0.0001)).toBe('0.01%');
    expect(formatShare(1e-7)).toBe('<0.01%');
  });

  it('shows offloaded activations beside the bar: their system memory and whether it is enough', () => {
    const f = fit({ weights: 300, activations: 100 }, 1000);
    expect(hostMemory(f)).toBeNull();
    // Not in the device bar: the segments are the device's arenas only.
    const withHost = { ...f, plan: { ...f.plan, hostActivations: 400 } };
    expect(memoryBar(withHost).segments.map((s) => s.key)).toEqual(['weights', 'activations']);
    expect(hostMemory({ ...withHost, hostBudgetBytes: 500 })).toEqual({ bytes: 400, budgetBytes: 500, over: false });
    expect(hostMemory({ ...withHost, hostBudgetBytes: 300 })).toEqual({ bytes: 400, budgetBytes: 300, over: true });
    expect(hostMemory(withHost)).toEqual({ bytes: 400, budgetBytes: null, over: false });
  });

  it('applies a suggestion keeping the sequences per optimizer step', () => {
    expect(suggestionOverrides({ microBatch: 1024, gradAccum: 2, seqLen: 4096 }, { microBatch: 16, seqLen: 4096 })).toEqual({ microBatch: '16', seqLen: '4096', gradAccum: '128' });
    // Only the sequence length shrinks: accumulation stays, and is not sent as a change.
    expect(suggestionOverrides({ microBatch: 1, gradAccum: 8, seqLen: 4096 }, { microBatch: 1, seqLen: 1024 })).toEqual({ microBatch: '1', seqLen: '1024' });
    // Never past the schema's limit.
    expect(suggestionOverrides({ microBatch: 1024, gradAccum: 4096, seqLen: 64 }, { microBatch: 1, seqLen: 64 }, 4096).gradAccum).toBeUndefined();
  });

  it('keys results by the settings, whatever their order', () => {
    expect(configKey({ a: 1, b: [1, 2] })).toBe(configKey({ b: [1, 2], a: 1 }));
    expect(configKey({ a: 1 })).not.toBe(configKey({ a: 2 }));
  });
});

describe('live dashboard bookkeeping', () => {
  it('keeps the time per step to training: the baseline evaluation, a pause and a resume are left out', () => {
    const list = [metric(0, 0, { loss: null, evalLoss: 3 }), ...Array.from({ length: 10 }, (_, i) => metric(i + 1, 30 + i))];
    expect(secondsPerStep(list)).toBeCloseTo(1);
    // Paused for 10 minutes after step 10, then steps 11..13.
    const resumed = [...list, metric(11, 640), metric(12, 641), metric(13, 642)];
    expect(secondsPerStep(resumed)).toBeCloseTo(1);
    // Right after the resume: one normal gap and the pause; the normal one decides.
    expect(secondsPerStep([metric(1, 0), metric(2, 1), metric(3, 600)])).toBeCloseTo(1);
    // A run that is really slow stays slow.
    expect(secondsPerStep([metric(1, 0), metric(2, 90), metric(3, 180)])).toBeCloseTo(90);
    expect(trainingSteps(list)).toHaveLength(10);
  });

  it('a live metric reaches the page in the shape runs.get returns: the job’s timestamp, the plan and the objective’s figures', () => {
    const live: StepMetrics = { step: 3, epoch: 0, loss: 1.5, lr: 1e-4, gradNorm: 0.5, tokens: 10, tokensPerSecond: 5, memoryBytes: 7, plannedBytes: 9, at: at(5), extra: { 'rewards/margin': 0.2 } };
    expect(runMetricOf(live)).toEqual({ step: 3, loss: 1.5, lr: 1e-4, gradNorm: 0.5, tokensPerSecond: 5, evalLoss: null, memoryBytes: 7, plannedBytes: 9, skipped: null, at: at(5), extra: { 'rewards/margin': 0.2 } });
    expect(typeof runMetricOf({ ...live, at: undefined }).at).toBe('string');
  });

  it('applies live metrics that arrived while runs.get was out over its answer', () => {
    const fetched: LiveDetail = { run: run({ step: 3, updatedAt: at(3) }), metrics: [metric(1, 1), metric(2, 2), metric(3, 3)], checkpoints: [] };
    const merged = mergeFetched(undefined, fetched, [metric(4, 4, { loss: 1.1 })]);
    expect(merged.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect([merged.run.step, merged.run.lastLoss]).toEqual([4, 1.1]);
    // A status the page saw after the answer was read is kept.
    const prev: LiveDetail = { ...fetched, run: run({ status: 'paused', step: 3, updatedAt: at(10) }) };
    expect(mergeFetched(prev, fetched, []).run.status).toBe('paused');
    expect(mergeFetched({ ...prev, run: run({ status: 'paused', updatedAt: at(1) }) }, fetched, []).run.status).toBe('running');
  });

  it('puts the log history first and drops live lines it already holds', () => {
    expect(parseLogLine('2025-01-01T00:00:01.250Z checkpoint saved at step 5')).toEqual({ at: '2025-01-01T00:00:01.250Z', message: 'checkpoint saved at step 5' });
    expect(parseLogLine('no time here')).toEqual({ at: null, message: 'no time here' });
    const history = ['starting: 10 steps', 'checkpoint saved at step 5'].map((m, i) => ({ at: at(i), message: m }));
    const live = [
      { at: at(1), message: 'checkpoint saved at step 5' },
      { at: at(2), message: 'checkpoint saved at step 10' },
    ];
    expect(withLogHistory(history, live).map((l) => l.message)).toEqual(['starting: 10 steps', 'checkpoint saved at step 5', 'checkpoint saved at step 10']);
    // The same message twice live, once in the history: one copy is dropped.
    expect(withLogHistory(history.slice(1), [live[0], live[0]])).toHaveLength(2);
  });

  it('gives the memory chart round ticks from 0 that cover the peak and the plan', () => {
    const mib = 2 ** 20;
    expect(byteTicks(2.86 * mib)).toEqual({ ticks: [0, 1, 2, 3, 4].map((i) => i * mib), unit: mib, label: 'MiB' });
    expect(byteTicks(9 * 2 ** 30).ticks.map((t) => t / 2 ** 30)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(byteTicks(300 * 1024)).toMatchObject({ label: 'KiB', ticks: [0, 100, 200, 300, 400].map((k) => k * 1024) });
    for (const max of [1, 1000, 5e6, 3.3e9, 7.7e10]) {
      const { ticks } = byteTicks(max);
      expect(ticks[4], String(max)).toBeGreaterThanOrEqual(max);
      expect(ticks[4], String(max)).toBeLessThan(max * 2.6 + 4096);
    }
  });

  it('says “<1s” rather than “0s” for a sub-second duration', () => {
    expect([formatDuration(0.2), formatDuration(0), formatDuration(0.7)]).toEqual(['<1s', '0s', '1s']);
  });

  it('shows a run stopped inside a step at its newest checkpoint', () => {
    const cps = [{ step: 20 }, { step: 15 }];
    expect(displayStep(run({ status: 'paused', step: 0 }), cps)).toBe(20);
    expect(displayStep(run({ status: 'queued', step: 0 }), cps)).toBe(20);
    expect(displayStep(run({ status: 'paused', step: 33 }), cps)).toBe(33);
    expect(displayStep(run({ status: 'running', step: 0 }), [])).toBe(0);
  });
});
