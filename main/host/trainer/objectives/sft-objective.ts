// SFT as a pluggable objective: the mean negative log-likelihood of the supervised tokens of the whole step (all its
// micro-batches share one normaliser, so the split into micro-batches does not change the gradient).
import { sftLoss, sftSeeds } from '../sft';
import type { TrainObjective } from './objective';
import { epochMicros } from './objective';

export const sftObjective: TrainObjective = {
  name: 'sft',
  async accumulate(model, micros, ctx) {
    const totalWeight = micros.reduce((s, m) => s + m.supervised, 0);
    // A mean over zero tokens is NaN: the step is skipped and counted, never averaged in.
    if (totalWeight === 0) return { loss: 0, empty: true };
    let loss = 0;
    for (const m of micros) {
      let logp = await model.forward(m.batch, { adapter: true, keepForBackward: true, signal: ctx.signal });
      if (ctx.filterLogp) logp = ctx.filterLogp(logp);
      loss += sftLoss(logp, m.weights, totalWeight);
      await model.backward(sftSeeds(m.weights, totalWeight), { signal: ctx.signal });
    }
    return { loss, empty: false };
  },
  async evaluate(model, validation, signal) {
    let weighted = 0;
    let total = 0;
    for (const micro of epochMicros(validation)) {
      const logp = await model.forward(micro.batch, { adapter: true, keepForBackward: false, signal });
      for (let i = 0; i < logp.length; i++) if (micro.weights[i] !== 0) weighted -= micro.weights[i] * logp[i];
      total += micro.supervised;
    }
    const loss = total > 0 ? weighted / total : NaN;
    return { loss, perplexity: Math.exp(loss) };
  },
};
