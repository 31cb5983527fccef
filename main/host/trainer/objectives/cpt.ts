// Continued pre-training: the SFT loss over raw-text windows (every token supervised), plus the forgetting probe at
// every evaluation: perplexity on Lathe's general-text sample with the adapter on, against the base's (adapter off,
// measured once when the run starts). Domain tuning can overwrite what the model knew; this shows it as it happens.
import type { BatchSource } from '../batches';
import type { TrainableModel } from '../engine-port';
import { epochMicros, type TrainObjective } from './objective';
import { sftObjective } from './sft-objective';

/** Warn when the adapter's probe perplexity is this much above the base's (as in Evaluate's forgetting probe). */
export const FORGETTING_WARN_RATIO = 1.1;

async function probePerplexity(model: TrainableModel, probe: BatchSource, adapter: boolean, signal?: AbortSignal): Promise<number> {
  let nll = 0;
  let tokens = 0;
  for (const micro of epochMicros(probe)) {
    const logp = await model.forward(micro.batch, { adapter, keepForBackward: false, signal });
    for (let i = 0; i < logp.length; i++) if (micro.weights[i] !== 0) nll -= micro.weights[i] * logp[i];
    tokens += micro.supervised;
  }
  return tokens > 0 ? Math.exp(nll / tokens) : NaN;
}

export async function cptObjective(model: TrainableModel, probe: BatchSource | null, log: (m: string) => void, signal?: AbortSignal): Promise<TrainObjective> {
  if (!probe || probe.rowsPerEpoch() === 0) return { ...sftObjective, name: 'cpt' };
  const base = await probePerplexity(model, probe, false, signal);
  log(`forgetting probe: the base model's perplexity on the general-text sample is ${base.toFixed(2)}`);
  return {
    name: 'cpt',
    accumulate: (m, micros, ctx) => sftObjective.accumulate(m, micros, ctx),
    async evaluate(m, validation, sig) {
      const ev = await sftObjective.evaluate(m, validation, sig);
      const ppl = await probePerplexity(m, probe, true, sig);
      const ratio = ppl / base;
      const change = `${Math.abs((ratio - 1) * 100).toFixed(1)}% ${ratio >= 1 ? 'higher' : 'lower'}`;
      log(`forgetting probe: perplexity ${ppl.toFixed(2)} on general text, ${change} than the base's` +
        (ratio > FORGETTING_WARN_RATIO ? ' - WARNING: aggressive domain tuning can overwrite what the model knew (lower the learning rate or mix in general text)' : ''));
      return { ...ev, metrics: { ...ev.metrics, 'eval/forgettingPerplexity': ppl, 'eval/forgettingBasePerplexity': base } };
    },
  };
}
