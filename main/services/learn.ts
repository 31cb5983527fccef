// Learn handlers: each demo runs in the shared engine host on the given base model, or on the generated demo model
// when the project has none, so the page works on a fresh machine.
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { ensureDemoBaseModel } from '../runs/demo-model';
import type { ServiceContext } from './context';

/**
 * The page's sections ask at once on a fresh library, and generating the demo model twice at the same time would race
 * on its temporary folder: one generation per models folder is shared by every caller.
 */
const generating = new Map<string, Promise<string>>();
function demoModel(modelsDir: string): Promise<string> {
  let p = generating.get(modelsDir);
  if (!p) {
    p = ensureDemoBaseModel(modelsDir).finally(() => generating.delete(modelsDir));
    generating.set(modelsDir, p);
  }
  return p;
}

const modelOf = (ctx: ServiceContext, model: string | undefined) => (model ? Promise.resolve(model) : demoModel(ctx.paths.models));

/** The defaults live here, once: k = 5 alternatives fit one row; rank 8 and lr 1e-2 move one text's loss in one step. */
export const LEARN_DEFAULTS = { k: 5, r: 8, lr: 1e-2, modelGuesses: 4 };

export const learnHandlers = {
  'learn.demoModel': async (_a: MethodParsedInput<'learn.demoModel'>, ctx: ServiceContext): Promise<MethodOutput<'learn.demoModel'>> => ({ path: await modelOf(ctx, undefined) }),

  'learn.nextToken': async (a: MethodParsedInput<'learn.nextToken'>, ctx: ServiceContext): Promise<MethodOutput<'learn.nextToken'>> =>
    ctx.supervisor.request('learn.nextToken', { model: await modelOf(ctx, a.model), quant: a.quant, text: a.text, k: a.k ?? LEARN_DEFAULTS.k }),

  'learn.oneStep': async (a: MethodParsedInput<'learn.oneStep'>, ctx: ServiceContext): Promise<MethodOutput<'learn.oneStep'>> =>
    ctx.supervisor.request('learn.oneStep', { model: await modelOf(ctx, a.model), quant: a.quant, text: a.text, lr: a.lr ?? LEARN_DEFAULTS.lr, r: a.r ?? LEARN_DEFAULTS.r }),

  'learn.fillMask': async (a: MethodParsedInput<'learn.fillMask'>, ctx: ServiceContext): Promise<MethodOutput<'learn.fillMask'>> =>
    ctx.supervisor.request('learn.fillMask', { model: await modelOf(ctx, a.model), quant: a.quant, text: a.text, candidates: a.candidates, modelGuesses: a.modelGuesses ?? LEARN_DEFAULTS.modelGuesses }),

  'learn.approaches': async (a: MethodParsedInput<'learn.approaches'>, ctx: ServiceContext): Promise<MethodOutput<'learn.approaches'>> =>
    ctx.supervisor.request('learn.approaches', { model: await modelOf(ctx, a.model), r: a.r, targets: a.targets, seqLen: a.seqLen }),
};
