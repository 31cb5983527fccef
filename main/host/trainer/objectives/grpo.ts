// GRPO as a pluggable objective: for each prompt of the step, G completions are sampled with the engine's KV-cache
// generation (seeded by the step, so a resumed run samples the same), scored by verifiable rewards, and pushed towards
// the better ones of their group. One optimisation pass per sample (TRL's num_iterations = 1): the old policy is the
// current one, so the ratio is 1 and the clip only guards the formula. The reference for the KL term is the adapter off.
import type { BatchSource, MicroBatch, TokenizedExample } from '../batches';
import type { TrainableModel } from '../engine-port';
import { mixSeed } from '../../../data/rng';
import { groupAdvantages, tokenLoss, tokenWeights, type GrpoNorm } from './grpo-loss';
import type { AccumulateContext, ObjectiveEval, ObjectiveStep, TrainObjective } from './objective';
import { epochMicros } from './objective';

export interface GrpoPrompt {
  /** The rendered prompt (chat template with the generation prompt), tokenized. */
  ids: number[];
  /** The reference answer handed to the reward functions, when the row has one. */
  answer: string | null;
}

export interface GrpoParams {
  groupSize: number;
  maxNewTokens: number;
  temperature: number;
  clip: number;
  beta: number;
  norm: GrpoNorm;
  seed: number;
}

export interface GrpoEnv {
  decode(ids: number[]): string;
  stop: number[];
  reward(completion: string, answer: string | null): { total: number; parts: number[] };
  rewardNames: string[];
  /** Batches given examples (one group: G rows) with the run's sequence length and padding. */
  batch(examples: TokenizedExample[]): MicroBatch;
  /** Called with a sample completion per step, for the run log. */
  log?(message: string): void;
}

interface Group {
  prompt: GrpoPrompt;
  completions: number[][];
  totals: number[];
  advantages: number[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

export class GrpoTrainObjective implements TrainObjective {
  readonly name = 'grpo';

  constructor(private readonly p: GrpoParams, private readonly train: GrpoPrompt[], private readonly validation: GrpoPrompt[], private readonly env: GrpoEnv) {}

  private async sample(model: TrainableModel, prompt: GrpoPrompt, seed: number, temperature: number, signal?: AbortSignal): Promise<number[]> {
    if (!model.generate) throw new Error('grpo: this engine cannot generate');
    return model.generate(prompt.ids, { maxNewTokens: this.p.maxNewTokens, temperature, seed, stop: this.env.stop, signal });
  }

  async accumulate(model: TrainableModel, micros: MicroBatch[], ctx: AccumulateContext): Promise<ObjectiveStep> {
    const G = this.p.groupSize;
    const groups: Group[] = [];
    const partSums = this.env.rewardNames.map(() => [] as number[]);
    for (const m of micros) {
      for (const idx of m.examples) {
        const prompt = this.train[idx];
        const seeds = Array.from({ length: G }, (_, g) => mixSeed(mixSeed(this.p.seed, ctx.step), idx * G + g));
        // One prefill and a batched decode for the whole group when the engine has it; the same tokens either way.
        const completions = model.generateGroup
          ? await model.generateGroup(prompt.ids, seeds, { maxNewTokens: this.p.maxNewTokens, temperature: this.p.temperature, stop: this.env.stop, signal: ctx.signal })
          : await seeds.reduce<Promise<number[][]>>(async (acc, seed) => [...(await acc), await this.sample(model, prompt, seed, this.p.temperature, ctx.signal)], Promise.resolve([]));
        const scored = completions.map((c) => this.env.reward(this.env.decode(c), prompt.answer));
        scored.forEach((s) => s.parts.forEach((v, i) => partSums[i].push(v)));
        const totals = scored.map((s) => s.total);
        groups.push({ prompt, completions, totals, advantages: groupAdvantages(totals, this.p.norm !== 'dr_grpo') });
      }
    }
    const all = groups.flatMap((g) => g.totals);
    const lengths = groups.flatMap((g) => g.completions.map((c) => c.length));
    const metrics: Record<string, number> = { 'reward/mean': mean(all), 'reward/std': std(all), 'completion/length': mean(lengths) };
    this.env.rewardNames.forEach((n, i) => Object.assign(metrics, { [`rewards/${n}/mean`]: mean(partSums[i]), [`rewards/${n}/std`]: std(partSums[i]) }));
    const first = groups[0];
    if (first) this.env.log?.(`step ${ctx.step} sample (reward ${first.totals[0].toFixed(2)}): ${JSON.stringify(this.env.decode(first.completions[0]).slice(0, 200))}`);
    const learnable = groups.some((g) => g.advantages.some((a) => a !== 0)) || this.p.beta > 0;
    if (!learnable || lengths.every((l) => l === 0)) return { loss: 0, empty: true, metrics };

    const weights = tokenWeights(this.p.norm, lengths, this.p.maxNewTokens);
    let loss = 0;
    let klSum = 0;
    let klCount = 0;
    let seq = 0;
    for (const g of groups) {
      const examples = g.completions.map((c) => ({ ids: [...g.prompt.ids, ...c], weights: [...new Array<number>(g.prompt.ids.length).fill(0), ...c.map(() => 1)] }));
      const micro = this.env.batch(examples);
      const ref = this.p.beta > 0 ? await model.forward(micro.batch, { adapter: false, keepForBackward: false, signal: ctx.signal }) : null;
      let logp = await model.forward(micro.batch, { adapter: true, keepForBackward: true, signal: ctx.signal });
      if (ctx.filterLogp) logp = ctx.filterLogp(logp);
      const seeds = new Float32Array(logp.length);
      const T = micro.batch.seqLen;
      for (let b = 0; b < micro.batch.batch; b++, seq++) {
        const w = weights[seq];
        for (let t = b * T; t < (b + 1) * T; t++) {
          if (micro.weights[t] === 0) continue;
          // The old policy is this very forward (detached): ratio 1.
          const l = tokenLoss(logp[t], logp[t], ref ? ref[t] : null, g.advantages[b], this.p.clip, this.p.beta);
          loss += l.loss * w;
          seeds[t] = l.d * w;
          klSum += l.kl;
          klCount++;
        }
      }
      await model.backward(seeds, { signal: ctx.signal });
    }
    if (this.p.beta > 0) metrics.kl = klSum / Math.max(1, klCount);
    return { loss, empty: false, metrics };
  }

  /** Greedy completions of the held-out prompts: loss = minus the mean reward (lower is better, as for every loss). */
  async evaluate(model: TrainableModel, validation: BatchSource, signal?: AbortSignal): Promise<ObjectiveEval> {
    const rewards: number[] = [];
    for (const m of epochMicros(validation)) {
      for (const idx of m.examples) {
        const prompt = this.validation[idx];
        const c = await this.sample(model, prompt, 0, 0, signal);
        rewards.push(this.env.reward(this.env.decode(c), prompt.answer).total);
      }
    }
    return { loss: -mean(rewards), perplexity: NaN, metrics: { 'eval/reward/mean': mean(rewards) } };
  }
}
