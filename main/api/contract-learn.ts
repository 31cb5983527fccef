// API methods of the Learn page: live demonstrations on the project's base model (or the demo model when none is
// chosen), all run in the engine host.
import { z } from 'zod';
import type { ApproachesResult, FillMaskResult, NextTokenResult, OneStepResult } from './learn-types';
// Only the hoisted method() helper comes from contract.ts (which imports this file): its consts are not ready yet here.
import { method } from './contract';
import { LocalPath } from './schemas';

export type { ApproachesResult, FillMaskResult, NextTokenResult, OneStepResult };
export type { Approach, FillCandidate, MemoryParts, ModuleShape, NextTokenPosition, TokenPiece } from './learn-types';

/** The base model folder; absent = the generated demo model. */
const Model = { model: LocalPath.optional(), quant: z.enum(['none', 'nf4', 'int8']).optional() };
const Text = z.string().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters');
const Target = z.enum(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);

export const learnMethods = {
  'learn.demoModel': method<{ path: string }>()(z.object({}).strict().optional(), 'The demo base model folder (generated the first time).'),
  'learn.nextToken': method<NextTokenResult>()(
    z.object({ ...Model, text: Text, k: z.number().int().min(1).max(20).optional() }).strict(),
    'The top-k next tokens the base model predicts at every position of a text, with the true token and its loss.',
  ),
  'learn.oneStep': method<OneStepResult>()(
    z.object({ ...Model, text: Text, lr: z.number().gt(0).max(1).optional(), r: z.number().int().min(1).max(64).optional() }).strict(),
    'Score the text as one summed loss, take one real backward + optimizer step on a throwaway LoRA, and score it again.',
  ),
  'learn.fillMask': method<FillMaskResult>()(
    z.object({ ...Model, text: Text, candidates: z.array(z.string().max(100)).max(12), modelGuesses: z.number().int().min(0).max(8).optional() }).strict(),
    'Words for a gap (___) ranked by the log-prob of the whole completed sentence, beside the left-side-only score.',
  ),
  'learn.approaches': method<ApproachesResult>()(
    z.object({ model: LocalPath.optional(), r: z.number().int().min(1).max(256), targets: z.array(Target).min(1), seqLen: z.number().int().min(16).max(131072) }).strict(),
    'Full fine-tuning vs LoRA vs QLoRA on a model: module shapes, exact trainable counts and the engine memory plan.',
  ),
} as const;
