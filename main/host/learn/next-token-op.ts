// The Learn page's next-token demo in the engine host: the top-k next tokens at every position of a text (base model,
// adapter off), and "one step": the whole text as one summed loss, one real backward + AdamW step on a throwaway LoRA,
// then the same text scored again.
import { resolveTrainingConfig } from '../../api/training-config';
import { loraOptions, optimizerOptions } from '../trainer/engine-options-from-config';
import { ALL_LORA_TARGETS } from '../../engine/engine';
import { piece } from '../../learn/token-text';
import type { NextTokenArgs, NextTokenResult, OneStepArgs, OneStepResult, StepLosses } from '../../api/learn-types';
export type { NextTokenArgs, OneStepArgs };
import { withModel } from '../eval/model-cache';
import { DEMO_CONTEXT, demoIds, tokenizerFor, type LearnOpContext } from './common';

const lossOf = (logprobs: ArrayLike<number>): StepLosses => {
  const lp = Array.from(logprobs);
  return { logprobs: lp, sumLoss: -lp.reduce((a, b) => a + b, 0) };
};

export async function nextTokenOp(a: NextTokenArgs, ctx: LearnOpContext): Promise<NextTokenResult> {
  const tok = await tokenizerFor(a.model);
  const ids = demoIds(tok, a.text);
  const top = await withModel({ model: a.model, quant: a.quant ?? 'none', maxSeqLen: DEMO_CONTEXT, signal: ctx.signal }, ({ model }) =>
    model.topk(ids, a.k, { adapter: false, signal: ctx.signal }),
  );
  const positions = ids.slice(1).map((target, t) => {
    const row = Array.from({ length: a.k }, (_, j) => ({ ...piece(tok, top.ids[t * a.k + j]), logprob: top.logprobs[t * a.k + j] }));
    const at = row.findIndex((r) => r.id === target);
    return { target: piece(tok, target), logprob: top.targetLogprobs[t], rank: at >= 0 ? at + 1 : null, top: row };
  });
  const { sumLoss } = lossOf(top.targetLogprobs);
  return { model: a.model, tokens: ids.map((id) => piece(tok, id)), positions, sumLoss, meanLoss: sumLoss / positions.length };
}

export async function oneStepOp(a: OneStepArgs, ctx: LearnOpContext): Promise<OneStepResult> {
  const tok = await tokenizerFor(a.model);
  const ids = demoIds(tok, a.text);
  return withModel({ model: a.model, quant: a.quant ?? 'none', maxSeqLen: DEMO_CONTEXT, signal: ctx.signal }, async ({ model, forgetAdapter }) => {
    // The fresh adapter replaces whatever adapter folder the cache had loaded (an Evaluate chat's checkpoint).
    forgetAdapter();
    // The demo's adapter and step are a run's, with the demo's rank and rate: options come from the config table.
    const demo = resolveTrainingConfig({ model: a.model, dataset: '(learn demo)', loraR: a.r, loraAlpha: a.r, loraTargets: ALL_LORA_TARGETS, seed: 1, learningRate: a.lr });
    const info = await model.initLora(loraOptions(demo));
    try {
      // B = 0 at init, so this equals the base model's score: the "before" is honest, not a cached number.
      const before = lossOf(await model.logprobs(ids, { adapter: true, signal: ctx.signal }));
      const targets = [...ids.slice(1), -1];
      await model.forward({ tokens: ids, targets }, { signal: ctx.signal });
      // Loss = -sum(logp): every position's seed is dLoss/dlogp = -1 (the last position has no target).
      const seeds = new Float32Array(ids.length).fill(-1);
      seeds[ids.length - 1] = 0;
      await model.backward(seeds, { signal: ctx.signal });
      const step = await model.step(optimizerOptions(demo, a.lr));
      const after = lossOf(await model.logprobs(ids, { adapter: true, signal: ctx.signal }));
      return { model: a.model, tokens: ids.map((id) => piece(tok, id)), before, after, gradNorm: step.gradNorm, lr: a.lr, rank: a.r, loraParameters: info.loraParameters };
    } finally {
      // Throwaway: nothing of the step survives into the next demo or an Evaluate chat.
      await model.clearLora();
    }
  });
}
