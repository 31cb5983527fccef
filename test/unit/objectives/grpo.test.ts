// GRPO: verifiable rewards, advantages, the per-token loss and its normalisations against hand-computed values, and
// GRPO on the pure-TS model raising the mean reward of a tiny task over 30 steps (fixed seed), with exact resume.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchSource, type TokenizedExample } from '../../../main/host/trainer/batches';
import { GrpoTrainObjective, type GrpoPrompt } from '../../../main/host/trainer/objectives/grpo';
import { groupAdvantages, tokenLoss, tokenWeights } from '../../../main/host/trainer/objectives/grpo-loss';
import { combineRewards, extractNumber, rewardFunction } from '../../../main/host/trainer/objectives/rewards';
import { train, type StepMetrics, type TrainerState } from '../../../main/host/trainer/trainer';
import { resolveTrainingConfig } from '../../../main/api/training-config';
import { tempDir } from '../../helpers/temp-dir';
import { ToyModel } from '../../helpers/toy-model';

describe('verifiable rewards', () => {
  it('exact, numeric (boxed, ####, last number), regex, json, json_schema, length, think', () => {
    expect(rewardFunction('exact')(' 42 ', '42')).toBe(1);
    expect(rewardFunction('exact')('<think>hmm</think> 42', '42')).toBe(1);
    expect(rewardFunction('exact')('41', '42')).toBe(0);
    expect(extractNumber('so the answer is \\boxed{1,234.5} ok 7')).toBe(1234.5);
    expect(extractNumber('steps 3 4 #### -12 then 9')).toBe(-12);
    expect(extractNumber('3 apples and 5 pears: 8')).toBe(8);
    expect(extractNumber('none')).toBeNull();
    expect(rewardFunction('numeric')('it is \\boxed{8}', '#### 8')).toBe(1);
    expect(rewardFunction('numeric')('it is 9', '8')).toBe(0);
    expect(rewardFunction('regex', { regex: '^\\+\\d{11}$' })('+14148702680', null)).toBe(1);
    expect(rewardFunction('json')('```json\n{"a": 1}\n```', null)).toBe(1);
    expect(rewardFunction('json')('{"a": 1', null)).toBe(0);
    const schema = { type: 'object', required: ['phone'], properties: { phone: { type: 'string', pattern: '^\\+' } } };
    expect(rewardFunction('json_schema', { schema })('{"phone": "+1555"}', null)).toBe(1);
    expect(rewardFunction('json_schema', { schema })('{"phone": "555"}', null)).toBe(0);
    expect(rewardFunction('length', { lengthTarget: 10 })('x'.repeat(10), null)).toBe(-0);
    expect(rewardFunction('length', { lengthTarget: 10 })('x'.repeat(15), null)).toBe(-0.5);
    expect(rewardFunction('length', { lengthTarget: 10 })('x'.repeat(40), null)).toBe(-1);
    expect(rewardFunction('think')('<think>a+b</think> 5', null)).toBe(1);
    expect(rewardFunction('think')('5 <think>late</think>', null)).toBe(0);
    expect(rewardFunction('think')('<think>unfinished', null)).toBe(0);
    const both = combineRewards([{ name: 'exact', fn: rewardFunction('exact'), weight: 1 }, { name: 'think', fn: rewardFunction('think'), weight: 0.25 }]);
    expect(both('<think>x</think> 7', '7')).toEqual({ total: 1.25, parts: [1, 1] });
  });
});

describe('GRPO arithmetic', () => {
  it('group advantages: (r - mean) / (std + 1e-4), sample std; Dr. GRPO without the std', () => {
    const a = groupAdvantages([1, 0, 0, 1]);
    const s = Math.sqrt(1 / 3);
    expect(a[0]).toBeCloseTo(0.5 / (s + 1e-4), 12);
    expect(a[1]).toBeCloseTo(-0.5 / (s + 1e-4), 12);
    expect(groupAdvantages([1, 0, 0, 1], false)).toEqual([0.5, -0.5, -0.5, 0.5]);
    expect(groupAdvantages([0.3, 0.3, 0.3])).toEqual([0, 0, 0]); // no signal when every answer scores the same
  });

  it('token loss: -A at ratio 1, the clip bites outside the band, k3 KL and its derivative', () => {
    expect(tokenLoss(-1, -1, null, 2, 0.2, 0)).toEqual({ loss: -2, d: -2, kl: 0 });
    // rho = e^0.5 > 1.2 with A > 0: clipped at 1.2, no gradient.
    const c = tokenLoss(-0.5, -1, null, 1, 0.2, 0);
    expect(c.loss).toBeCloseTo(-1.2, 12);
    expect(c.d).toBe(0);
    // k3 at ref - logp = x: e^x - x - 1, derivative 1 - e^x.
    const k = tokenLoss(-2, -2, -1.5, 0, 0.2, 0.1);
    expect(k.kl).toBeCloseTo(Math.exp(0.5) - 0.5 - 1, 12);
    expect(k.loss).toBeCloseTo(0.1 * k.kl, 12);
    expect(k.d).toBeCloseTo(0.1 * (1 - Math.exp(0.5)), 12);
    const h = 1e-6;
    expect(k.d).toBeCloseTo((tokenLoss(-2 + h, -2, -1.5, 0, 0.2, 0.1).loss - tokenLoss(-2 - h, -2, -1.5, 0, 0.2, 0.1).loss) / (2 * h), 6);
  });

  it('normalisations: per sequence (grpo), per token of the step (dapo), by a constant (dr_grpo)', () => {
    expect(tokenWeights('grpo', [2, 4], 8)).toEqual([1 / 4, 1 / 8]);
    expect(tokenWeights('dapo', [2, 4], 8)).toEqual([1 / 6, 1 / 6]);
    expect(tokenWeights('dr_grpo', [2, 4, 0], 8)).toEqual([1 / 24, 1 / 24, 0]);
  });
});

describe('GRPO training on the pure-TS model', () => {
  const V = 12;
  // Task: after prompt token a, answer (3a + 1) mod V. Token ids are their own text, so "exact" compares numbers.
  const prompts: GrpoPrompt[] = Array.from({ length: V }, (_, a) => ({ ids: [a], answer: String((3 * a + 1) % V) }));
  const examples: TokenizedExample[] = prompts.map((p) => ({ ids: p.ids, weights: [0] }));
  const source = () => new BatchSource(examples, { seqLen: 16, microBatch: 4, packing: false, seed: 3, shuffle: true, padId: 0 });
  const exact = rewardFunction('exact');
  const env = (src: BatchSource) => ({
    decode: (ids: number[]) => ids.join(' '),
    stop: [],
    reward: (c: string, a: string | null) => ({ total: exact(c, a), parts: [exact(c, a)] }),
    rewardNames: ['exact'],
    batch: (xs: TokenizedExample[]) => src.over(xs, xs.length).next({ epoch: 0, index: 0 }).micro,
  });
  const config = resolveTrainingConfig({ model: 'toy', dataset: 'toy', objective: 'grpo', seqLen: 16, microBatch: 4, gradAccum: 1, learningRate: 0.2, warmupSteps: 1, maxSteps: 30, evalEvery: 0, checkpointEverySteps: 0, checkpointEveryMinutes: 0 });
  const objective = (src: BatchSource) => new GrpoTrainObjective({ groupSize: 8, maxNewTokens: 1, temperature: 1, clip: 0.2, beta: 0.04, norm: 'dapo', seed: 42 }, prompts, prompts, env(src));

  async function run(model: ToyModel, start?: TrainerState, stopAt?: number) {
    const src = source();
    const curve: StepMetrics[] = [];
    const abort = new AbortController();
    let saved: TrainerState | undefined;
    const state = await train({ model, train: src, config, totalSteps: 30, objective: objective(src), signal: abort.signal, hooks: {
      onStep: (m) => { curve.push(m); if (m.step === stopAt) abort.abort(); },
      checkpoint: async (s) => { saved = structuredClone(s); },
    } }, start);
    return { curve, state, saved };
  }

  it('raises the mean reward over 30 steps (fixed seed), with a KL to the reference', async () => {
    const { curve } = await run(new ToyModel(V, 4, 2, 5));
    const reward = curve.map((m) => m.extra!['reward/mean']);
    const first = (reward[0] + reward[1] + reward[2]) / 3;
    const last = (reward[27] + reward[28] + reward[29]) / 3;
    expect(last).toBeGreaterThan(first + 0.3);
    expect(curve.at(-1)!.extra!.kl).toBeGreaterThan(0);
    console.log(`grpo toy mean reward per step: ${reward.map((r) => r.toFixed(2)).join(' ')}`);
  });

  it('resumes exactly: sampling seeds come from the step, so the resumed half samples and learns the same', async () => {
    const full = await run(new ToyModel(V, 4, 2, 5));
    const dir = tempDir();
    const first = new ToyModel(V, 4, 2, 5);
    const half = await run(first, undefined, 12);
    await first.saveState(join(dir, 's.json'));
    const resumed = new ToyModel(V, 4, 2, 5);
    await resumed.loadState(join(dir, 's.json'));
    const rest = await run(resumed, half.saved);
    const key = (m: StepMetrics) => [m.step, m.loss, m.extra?.['reward/mean']];
    expect([...half.curve, ...rest.curve].map(key)).toEqual(full.curve.map(key));
  });
});
