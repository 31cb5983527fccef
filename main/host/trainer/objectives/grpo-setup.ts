// Builds the GRPO objective of a run: its reward functions (with weights, regex, schema and length target from the
// config), the tokenizer for decoding completions and stopping at end-of-turn, and the prompts with their answers.
import { readFileSync } from 'node:fs';
import { LatheError } from '../../../api/errors';
import { loadTokenizer } from '../../../models/tokenizer';
import { betaFor } from '../../../api/training-config';
import type { TokenizedExample } from '../batches';
import { GrpoTrainObjective, type GrpoPrompt } from './grpo';
import type { PrepareInput } from './index';
import { combineRewards, rewardFunction } from './rewards';

function readSchema(path: string): object {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as object;
  } catch (err) {
    throw new LatheError('config.rewardSchema', `rewardSchema ${path} cannot be read as JSON: ${(err as Error).message}`, 'Point rewardSchema at a JSON schema file.');
  }
}

const toPrompt = (x: TokenizedExample): GrpoPrompt => ({ ids: Array.from(x.ids), answer: x.answer ?? null });

export async function grpoObjective(p: PrepareInput): Promise<GrpoTrainObjective> {
  const c = p.config;
  const tokenizer = await loadTokenizer(c.model);
  const options = { regex: c.rewardRegex, lengthTarget: c.lengthTarget, ...(c.rewardSchema ? { schema: readSchema(c.rewardSchema) } : {}) };
  const fns = c.rewards.map((name, i) => ({ name, fn: rewardFunction(name, options), weight: c.rewardWeights?.[i] ?? 1 }));
  return new GrpoTrainObjective(
    { groupSize: c.grpoGroupSize, maxNewTokens: c.grpoMaxNewTokens, temperature: c.grpoTemperature, clip: c.grpoClip, beta: betaFor(c), norm: c.grpoLoss, seed: c.seed },
    p.data.train.map(toPrompt),
    p.data.validation.map(toPrompt),
    {
      decode: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
      stop: tokenizer.stopIds,
      reward: combineRewards(fns),
      rewardNames: [...c.rewards],
      batch: (xs) => p.train.over(xs, xs.length).next({ epoch: 0, index: 0 }).micro,
      log: p.log,
    },
  );
}
