// Verifiable rewards for GRPO: each scores one completion (and the row's reference answer) in [0, 1] (the length
// penalty in [-1, 0]); several combine as a weighted sum. Pure functions: the same completion always scores the same.
import Ajv from 'ajv';

export const REWARD_NAMES = ['exact', 'numeric', 'regex', 'json', 'json_schema', 'length', 'think'] as const;
export type RewardName = (typeof REWARD_NAMES)[number];

export interface RewardOptions {
  /** regex: the pattern a completion must match (searched, not anchored unless it says so). */
  regex?: string;
  /** json_schema: the schema object a completion's JSON must satisfy. */
  schema?: object;
  /** length: completions longer than this many characters are penalised in proportion, down to -1 at twice it. */
  lengthTarget?: number;
}

export type RewardFn = (completion: string, answer: string | null) => number;

/** The part after a closing </think>, when the model reasons first. */
const finalPart = (s: string) => {
  const i = s.lastIndexOf('</think>');
  return (i >= 0 ? s.slice(i + 8) : s).trim();
};

const NUMBER = /-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?/gi;

/** The numeric answer of a completion: \boxed{…}, else after "####", else the last number in the final part. */
export function extractNumber(s: string): number | null {
  const text = finalPart(s);
  const boxed = /\\boxed\{([^{}]*)\}/.exec(text);
  const hashes = text.lastIndexOf('####');
  const source = boxed ? boxed[1] : hashes >= 0 ? text.slice(hashes + 4) : text;
  const all = source.match(NUMBER);
  if (!all) return null;
  const n = Number((boxed || hashes >= 0 ? all[0] : all[all.length - 1]).replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

function parseJson(s: string): { ok: true; value: unknown } | { ok: false } {
  const t = finalPart(s).replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

export function rewardFunction(name: RewardName, o: RewardOptions = {}): RewardFn {
  switch (name) {
    case 'exact':
      return (c, a) => (a !== null && finalPart(c) === a.trim() ? 1 : 0);
    case 'numeric':
      return (c, a) => {
        const want = a === null ? null : extractNumber(a);
        const got = extractNumber(c);
        return want !== null && got !== null && Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)) ? 1 : 0;
      };
    case 'regex': {
      if (!o.regex) throw new Error('the regex reward needs rewardRegex');
      const re = new RegExp(o.regex, 's');
      return (c) => (re.test(finalPart(c)) ? 1 : 0);
    }
    case 'json':
      return (c) => (parseJson(c).ok ? 1 : 0);
    case 'json_schema': {
      if (!o.schema) throw new Error('the json_schema reward needs rewardSchema');
      const validate = new Ajv({ allErrors: false, strict: false }).compile(o.schema);
      return (c) => {
        const p = parseJson(c);
        return p.ok && validate(p.value) ? 1 : 0;
      };
    }
    case 'length': {
      const target = o.lengthTarget;
      if (!target) throw new Error('the length reward needs lengthTarget');
      return (c) => -Math.min(1, Math.max(0, c.length - target) / target);
    }
    case 'think':
      // One reasoning block first, then a non-empty answer after it.
      return (c) => (/^\s*<think>[\s\S]+?<\/think>\s*\S/.test(c) && c.split('<think>').length === 2 ? 1 : 0);
  }
}

/** Weighted sum of several rewards, with each one's value kept for the per-function metrics. */
export function combineRewards(fns: { name: RewardName; fn: RewardFn; weight: number }[]): (completion: string, answer: string | null) => { total: number; parts: number[] } {
  return (c, a) => {
    const parts = fns.map((f) => f.fn(c, a));
    return { total: parts.reduce((s, v, i) => s + fns[i].weight * v, 0), parts };
  };
}
