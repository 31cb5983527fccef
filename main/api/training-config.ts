// The one TrainingConfig: every knob with its default and the reason for it (the UI and CLI help are generated from
// this table), validated with clear errors for unknown keys and wrong types. YAML files: ./config-yaml.ts.
import { issueText } from './issue-text';
import { z } from 'zod';
import { DEVICE_PATTERN } from './device';
import { LatheError } from './errors';
import { LORA_TARGETS, MAX_LORA_RANK, QUANTS, type LoraTarget, type Quant } from './engine-options';
import { MAP_KEY_PATTERN } from './dataset-schemas';
import { TEMPLATE_NAMES, type TemplateName } from './template-names';

export { LORA_TARGETS, QUANTS };
export type { LoraTarget, Quant };
/** Training objectives: what the loss rewards. The preference ones train on (chosen, rejected) pairs. */
export const OBJECTIVES = ['sft', 'cpt', 'dpo', 'ipo', 'orpo', 'simpo', 'kto', 'grpo'] as const;
/** GRPO's verifiable rewards (main/host/trainer/objectives/rewards.ts). */
export const REWARDS = ['exact', 'numeric', 'regex', 'json', 'json_schema', 'length', 'think'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];
export const PREFERENCE_OBJECTIVES: readonly ObjectiveName[] = ['dpo', 'ipo', 'orpo', 'simpo'];

const TemplateChoice = z.enum(TEMPLATE_NAMES as unknown as [TemplateName, ...TemplateName[]]);
/** One more dataset of a mixture: a file, library id or name, its weight, and the template its rows need. */
const MixtureEntry = z.object({ dataset: z.string().min(1), weight: z.number().positive().max(1000).default(1), chatTemplate: TemplateChoice.optional() }).strict();

/** Each field: its schema (with default) and why the default is what it is. */
const fields = {
  model: { schema: z.string().min(1), why: 'Folder of the base model (Hugging Face layout: config.json, *.safetensors, tokenizer.json).' },
  objective: { schema: z.enum(OBJECTIVES).default('sft'), why: 'sft teaches format, tone and behaviour from example answers; cpt (continued pre-training) learns the language of raw domain text, every token; dpo/ipo/orpo/simpo learn a preference between a chosen and a rejected answer (needs preference rows); kto learns from single answers labelled good or bad (prompt/completion/label rows); grpo samples answers to prompts and reinforces those the reward functions score higher (prompt/answer rows).' },
  beta: { schema: z.number().min(0).max(100).optional(), why: 'Preference strength: 0.1 for dpo/ipo/orpo/kto (the DPO paper and TRL default), 2.0 for simpo (its paper), when not set; for grpo the KL penalty to the base, 0.04 (DeepSeekMath) by default, 0 to drop it. Higher keeps the adapter closer to the base.' },
  labelSmoothing: { schema: z.number().min(0).max(0.49).default(0), why: 'dpo/simpo: the assumed share of mislabelled pairs (conservative DPO); 0 trusts every label.' },
  grpoGroupSize: { schema: z.number().int().min(2).max(64).default(8), why: 'grpo: completions sampled per prompt; advantages compare answers within this group (8 is a common GRPO setting).' },
  grpoMaxNewTokens: { schema: z.number().int().min(1).max(32768).default(256), why: 'grpo: the longest completion sampled; seqLen must hold the prompt plus this.' },
  grpoTemperature: { schema: z.number().positive().max(2).default(1), why: 'grpo: sampling temperature 1 keeps the group diverse enough to compare answers.' },
  grpoClip: { schema: z.number().positive().max(1).default(0.2), why: 'grpo: PPO clip range of the policy ratio (0.2, as in PPO and GRPO).' },
  grpoLoss: { schema: z.enum(['grpo', 'dapo', 'dr_grpo']).default('dapo'), why: 'grpo: loss normalisation. dapo averages over every completion token of the step (no bias to short answers); grpo per sequence; dr_grpo by a constant, without dividing advantages by the group std.' },
  rewards: { schema: z.array(z.enum(REWARDS)).min(1).default(['exact']), why: 'grpo: reward functions (summed with rewardWeights): exact answer match, numeric answer (\\boxed{}, ####, or the last number), regex, valid json, json_schema, length penalty, <think> format.' },
  rewardWeights: { schema: z.array(z.number().min(-100).max(100)).optional(), why: 'grpo: one weight per reward function, in the same order; all 1 when not set.' },
  rewardRegex: { schema: z.string().min(1).optional(), why: 'grpo: the pattern the regex reward looks for in a completion.' },
  rewardSchema: { schema: z.string().min(1).optional(), why: 'grpo: path of the JSON schema file the json_schema reward validates completions against.' },
  lengthTarget: { schema: z.number().int().min(1).optional(), why: 'grpo: the length reward penalises completions longer than this many characters (-1 at twice it).' },
  ktoDesirableWeight: { schema: z.number().positive().max(100).default(1), why: 'kto: weight of the desirable examples\' loss; with unbalanced labels, keep desirableWeight x desirable count / (undesirableWeight x undesirable count) between 1 and 4/3 (KTO paper).' },
  ktoUndesirableWeight: { schema: z.number().positive().max(100).default(1), why: 'kto: weight of the undesirable examples\' loss (see ktoDesirableWeight).' },
  simpoGamma: { schema: z.number().min(0).max(10).default(0.5), why: 'simpo: the target reward margin; 0.5 is TRL\'s default (gamma/beta around 0.25-0.5 in the SimPO paper).' },
  dataset: { schema: z.string().min(1), why: 'Dataset to train on: a file (JSONL, JSON, CSV, Parquet, text) or a dataset id from the library.' },
  datasetWeight: { schema: z.number().positive().max(1000).default(1), why: 'With a mixture: the share of the main dataset relative to the mixture weights (1 and a mixture weight of 3 make 25%/75%).' },
  mixture: { schema: z.array(MixtureEntry).min(1).max(16).optional(), why: 'More datasets mixed into every epoch with the main one, each with a weight (its share of the epoch relative to datasetWeight) and optionally its own chatTemplate. Each epoch holds exactly those shares; a small dataset repeats, a large one is sampled. Each dataset keeps its own validation split.' },
  initAdapter: { schema: z.string().min(1).optional(), why: 'Start from this PEFT adapter folder (e.g. an SFT run\'s adapter/) instead of a fresh one; its rank and targets replace loraR/loraTargets. For dpo/ipo the reference is then the model with this adapter: the usual SFT-then-DPO recipe.' },
  columnMap: { schema: z.record(z.string().regex(MAP_KEY_PATTERN, 'is not a field Lathe maps (e.g. messages, role, content, role.user)'), z.string().min(1).max(200)).optional(), why: 'For a dataset file whose columns or message keys have other names: Lathe\'s name = the file\'s, e.g. messages=conversations, role=from, content=value, role.user=human (an imported dataset keeps the mapping it was imported with).' },
  validationDataset: { schema: z.string().min(1).optional(), why: 'Optional separate validation file; otherwise a split of the dataset is held out.' },
  quant: { schema: z.enum(QUANTS).default('nf4'), why: 'NF4 (QLoRA) stores frozen weights in 4 bits: ~4x less memory than bf16 for nearly the same quality.' },
  loraR: { schema: z.number().int().min(1).max(MAX_LORA_RANK).default(16), why: 'Rank 16 is the common sweet spot: enough capacity for most tasks, tiny adapters.' },
  loraAlpha: { schema: z.number().positive().max(4096).default(32), why: 'alpha = 2r keeps the LoRA update scale (alpha/r = 2) in the range that trains well at lr 2e-4.' },
  loraDropout: { schema: z.number().min(0).max(0.9).default(0), why: 'Dropout 0 trains fastest; raise to 0.05-0.1 on small datasets that overfit.' },
  loraTargets: { schema: z.array(z.enum(LORA_TARGETS)).min(1).default([...LORA_TARGETS]), why: 'All 7 linear modules: QLoRA showed adapting every linear layer is needed to match full fine-tuning.' },
  rslora: { schema: z.boolean().default(false), why: 'rsLoRA scales by alpha/sqrt(r), which helps only at high ranks (64+).' },
  trainEmbeddings: { schema: z.boolean().default(false), why: 'Off: LoRA leaves the token embeddings and output head frozen. On (continued pre-training on a new domain or language): they train too, as full f32 copies (16 bytes per parameter with Adam), saved as PEFT modules_to_save.' },
  embeddingLearningRate: { schema: z.number().positive().max(1).optional(), why: 'trainEmbeddings: their own rate, defaulting to a tenth of learningRate; full tables move far more per step than a low-rank adapter.' },
  seqLen: { schema: z.number().int().min(16).max(131072).default(1024), why: 'Most instruction examples fit in 1024 tokens; longer costs memory linearly (attention is tiled).' },
  microBatch: { schema: z.number().int().min(1).max(1024).default(1), why: 'One sequence per forward keeps memory lowest; use gradient accumulation for a larger effective batch.' },
  gradAccum: { schema: z.number().int().min(1).max(4096).default(8), why: 'Effective batch of 8 sequences gives stable gradients without extra memory.' },
  epochs: { schema: z.number().positive().max(1000).default(2), why: '1-3 epochs is typical for LoRA; more tends to overfit small datasets.' },
  maxSteps: { schema: z.number().int().min(1).optional(), why: 'Stop after this many optimizer steps (overrides epochs when set).' },
  learningRate: { schema: z.number().positive().max(1).default(2e-4), why: '2e-4 is the QLoRA paper and common-practice LoRA learning rate.' },
  schedule: { schema: z.enum(['cosine', 'linear', 'constant', 'wsd']).default('cosine'), why: 'Cosine decay after warmup is the robust default for short fine-tunes; wsd (warmup-stable-decay) holds the peak and decays at the end, the mid-training recipe.' },
  minLrRatio: { schema: z.number().min(0).max(1).default(0), why: 'Floor of the decay as a fraction of the peak rate; 0 decays to zero (fine-tunes), about 0.1 keeps learning at the end of continued pre-training.' },
  decayFraction: { schema: z.number().positive().max(1).default(0.2), why: 'wsd: the share of the steps after warmup spent decaying; 0.1-0.2 is what the WSD papers use.' },
  cptStride: { schema: z.number().int().min(1).optional(), why: 'cpt: tokens between the starts of consecutive windows; defaults to seqLen (windows touch, each token trained once). Smaller strides add context to each window.' },
  warmupSteps: { schema: z.number().int().min(0).default(10), why: 'A short linear warmup avoids large early updates while Adam moments are still noisy.' },
  adamBeta1: { schema: z.number().min(0).lt(1).default(0.9), why: "AdamW's first-moment decay: 0.9, the Adam paper's and every LoRA recipe's value." },
  adamBeta2: { schema: z.number().min(0).lt(1).default(0.999), why: "AdamW's second-moment decay: 0.999 (Adam paper); 0.95 steadies long or large-batch runs." },
  adamEps: { schema: z.number().positive().max(1e-3).default(1e-8), why: "AdamW's epsilon: 1e-8 (Adam paper), only guards the division for gradients near zero." },
  loraPlusRatio: { schema: z.number().min(1).max(64).default(1), why: 'LoRA+: the B matrices learn this many times faster than A. 1 is plain LoRA; the LoRA+ paper found about 16 trains faster at the same cost.' },
  weightDecay: { schema: z.number().min(0).max(1).default(0), why: 'LoRA rarely needs weight decay; its low rank already regularises.' },
  maxGradNorm: { schema: z.number().positive().default(1), why: 'Clipping the global gradient norm at 1.0 prevents rare spikes from wrecking the adapter.' },
  maxBadSteps: { schema: z.number().int().min(0).max(10000).default(10), why: 'Stop after this many non-finite steps in a row (0 = never): such a run has diverged, and skipping more only burns time. Resume from its last checkpoint with a lower learningRate.' },
  seed: { schema: z.number().int().min(0).max(2 ** 31 - 1).default(42), why: 'Fixed seed: same data order, dropout and init every run, so runs are reproducible.' },
  evalEvery: { schema: z.number().int().min(0).default(50), why: 'Validation loss every 50 steps shows overfitting early without slowing training much (0 = never).' },
  checkpointEverySteps: { schema: z.number().int().min(0).default(100), why: 'A checkpoint every 100 steps bounds what a crash can cost (0 = only by time and at the end).' },
  checkpointEveryMinutes: { schema: z.number().min(0).default(10), why: 'Also checkpoint every 10 minutes, so slow steps never put much work at risk (0 = off).' },
  keepCheckpoints: { schema: z.number().int().min(1).max(100).default(3), why: 'Keep the last 3 checkpoints (plus the best by eval loss) to bound disk use.' },
  lengthPolicy: { schema: z.enum(['truncate', 'drop', 'split']).default('truncate'), why: 'What happens to a row longer than seqLen tokens (the Data step shows the same): truncate removes the oldest earlier turns, then the start of the last question, and keeps the system prompt and the whole answer (a row whose answer alone is too long is left out and listed); drop leaves such rows out; split cuts them into seqLen pieces (for long documents).' },
  packing: { schema: z.boolean().default(false), why: 'Packing short examples into full sequences speeds up training on short data; attention stays within each example.' },
  chatTemplate: { schema: TemplateChoice.optional(), why: "How rows become text: the model's own chat template (model) when it has one, else chatml. A built-in (llama-3, mistral, gemma, phi-3, llama-2, chatml, alpaca) is for base models without a template; pick the one whose special tokens the vocabulary has." },
  templateVars: { schema: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a template variable name (letters, digits, _)'), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(), why: 'Extra variables for the chat template, e.g. enable_thinking: false for Qwen3 (written enable_thinking=false in the form).' },
  lossMask: { schema: z.enum(['assistant', 'all', 'last', 'turns-marked']).default('assistant'), why: 'Train on assistant turns only: the model learns to answer, not to predict prompts. turns-marked trains only messages marked train: true.' },
  trainReasoning: { schema: z.boolean().default(true), why: 'Reasoning (<think>) in assistant turns is trained like the answer; off keeps it in the text as context but does not train it.' },
  trainOnEos: { schema: z.boolean().default(true), why: "The end-of-turn token is trained with each answer, so the model learns to stop; off only for continuations that must not end." },
  validationFraction: { schema: z.number().min(0).max(0.5).default(0.05), why: 'Hold out 5% for validation when no separate validation file is given.' },
  threads: { schema: z.number().int().min(1).max(512).optional(), why: 'CPU threads for the engine; defaults to the number of cores.' },
  device: { schema: z.string().regex(DEVICE_PATTERN).default('auto'), why: 'auto uses the first GPU when a GPU backend is built in, else the CPU; cpu, vulkan or vulkan:N force one.' },
  offloadActivations: { schema: z.boolean().default(false), why: 'GPU: each layer\'s checkpointed input waits in system memory between forward and backward, so long sequences fit in less GPU memory, for one download and one upload per layer per micro-batch; the numbers are identical. No effect on the CPU, whose memory is the host\'s.' },
} as const;

type Fields = typeof fields;
const shape = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.schema])) as { [K in keyof Fields]: Fields[K]['schema'] };

export const TrainingConfigObject = z.object(shape).strict();
/** Cross-field rules live in the schema too, so every front door (API, YAML, CLI) applies them. */
export const TrainingConfigSchema = TrainingConfigObject.superRefine((c, ctx) => {
  if (c.warmupSteps > 0 && c.maxSteps !== undefined && c.warmupSteps >= c.maxSteps) {
    ctx.addIssue({ code: 'custom', path: ['warmupSteps'], message: `must be smaller than maxSteps (${c.maxSteps}); lower warmupSteps or raise maxSteps` });
  }
  if (c.cptStride !== undefined && c.cptStride > c.seqLen) {
    ctx.addIssue({ code: 'custom', path: ['cptStride'], message: `must be at most seqLen (${c.seqLen}), or tokens between windows would never be trained` });
  }
  if (c.rewardWeights && c.rewardWeights.length !== c.rewards.length) {
    ctx.addIssue({ code: 'custom', path: ['rewardWeights'], message: `has ${c.rewardWeights.length} weights for ${c.rewards.length} rewards; give one weight per reward, in the same order` });
  }
  if (c.objective === 'grpo') {
    if (c.rewards.includes('regex') && !c.rewardRegex) ctx.addIssue({ code: 'custom', path: ['rewardRegex'], message: 'is needed by the regex reward' });
    if (c.rewards.includes('json_schema') && !c.rewardSchema) ctx.addIssue({ code: 'custom', path: ['rewardSchema'], message: 'is needed by the json_schema reward' });
    if (c.rewards.includes('length') && !c.lengthTarget) ctx.addIssue({ code: 'custom', path: ['lengthTarget'], message: 'is needed by the length reward' });
  }
  if (c.objective === 'grpo' && c.chatTemplate && c.chatTemplate !== 'model') {
    ctx.addIssue({ code: 'custom', path: ['chatTemplate'], message: "is not used by grpo, which samples with the model's own template; leave it unset or model" });
  }
  if (c.objective === 'kto' && c.microBatch * c.gradAccum < 2) {
    ctx.addIssue({ code: 'custom', path: ['gradAccum'], message: 'kto needs at least 2 examples per step (microBatch x gradAccum) to estimate its KL baseline from mismatched pairs; raise gradAccum' });
  }
  if (c.packing && (PREFERENCE_OBJECTIVES.includes(c.objective) || c.objective === 'kto')) {
    ctx.addIssue({ code: 'custom', path: ['packing'], message: `cannot be on with objective ${c.objective}: each chosen and rejected answer is scored as a whole sequence; set packing: false` });
  }
});
export type TrainingConfigInput = z.input<typeof TrainingConfigSchema>;
export type TrainingConfig = z.output<typeof TrainingConfigSchema>;

/** beta for the chosen objective: the user's value, else the objective's own default (see the beta help text). */
export function betaFor(c: Pick<TrainingConfig, 'objective' | 'beta'>): number {
  return c.beta ?? (c.objective === 'simpo' ? 2 : c.objective === 'grpo' ? 0.04 : 0.1);
}

/** What kind of input a key takes (the UI builds its form from this). */
export interface ConfigFieldKind {
  /** map: named scalar values (e.g. templateVars), typed as name=value pairs in the form. */
  /** entries: a list of records (the mixture), edited row by row. */
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'map' | 'entries';
  options?: string[];
  min?: number;
  max?: number;
  /** True when the value must be strictly greater than min (e.g. a learning rate). */
  minExclusive?: boolean;
  optional: boolean;
}

/** Reads a field's kind from its zod schema, unwrapping default/optional. */
export function fieldKind(schema: z.ZodType): ConfigFieldKind {
  let s = schema as z.ZodType & { def: Record<string, unknown> };
  let optional = false;
  while (s.def.type === 'default' || s.def.type === 'optional') {
    if (s.def.type === 'optional') optional = true;
    s = s.def.innerType as typeof s;
  }
  const t = s.def.type as string;
  if (t === 'enum') return { kind: 'enum', options: Object.values(s.def.entries as Record<string, string>), optional };
  if (t === 'array') {
    const el = s.def.element as z.ZodType & { def: Record<string, unknown> };
    if (el.def.type === 'object') return { kind: 'entries', optional };
    return { kind: 'list', options: el.def.type === 'enum' ? Object.values(el.def.entries as Record<string, string>) : undefined, optional };
  }
  if (t === 'number') {
    const n = s as unknown as z.ZodNumber;
    const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : undefined);
    const checks = ((n as unknown as { def: { checks?: { _zod: { def: { check: string; inclusive?: boolean } } }[] } }).def.checks ?? []).map((c) => c._zod.def);
    const minExclusive = checks.some((c) => c.check === 'greater_than' && c.inclusive === false);
    return { kind: n.isInt ? 'integer' : 'number', min: finite(n.minValue), max: finite(n.maxValue), ...(minExclusive ? { minExclusive } : {}), optional };
  }
  if (t === 'boolean') return { kind: 'boolean', optional };
  if (t === 'record') return { kind: 'map', optional };
  return { kind: 'string', optional };
}

export const configKinds: Record<keyof TrainingConfig, ConfigFieldKind> = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldKind(f.schema)])) as Record<keyof TrainingConfig, ConfigFieldKind>;

/** Help text for every key (UI tooltips, `lathe train --help-config`). */
export const configHelp: Record<keyof TrainingConfig, string> = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.why])) as Record<keyof TrainingConfig, string>;

function describeIssue(issue: z.core.$ZodIssue, source: string): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(fields).join(', ');
    return `${source}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (known keys: ${known})`;
  }
  return `${source}: ${key}: ${issueText(issue)}`;
}

/** Validates a plain object (already parsed) and fills in defaults. */
export function resolveTrainingConfig(input: unknown, source = 'training config'): TrainingConfig {
  const parsed = TrainingConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => describeIssue(i, source));
    // The key each issue is about (an unknown key names itself), so a form marks the field without reading the text.
    const issues = parsed.error.issues.map((i) => (i.code === 'unrecognized_keys' ? { field: i.keys[0], message: `is not a setting Lathe knows (known keys: ${Object.keys(fields).join(', ')})` } : { field: i.path.join('.') || '(top level)', message: issueText(i) }));
    throw new LatheError('config.invalid', lines.join('\n'), 'Fix the keys named above; `lathe train --help-config` lists every key with its default and reason.', { field: issues[0]?.field, issues });
  }
  return parsed.data;
}

/** The arithmetic a user should see next to their settings (nanoGPT-style). */
export function describeBatch(c: TrainingConfig): { sequencesPerStep: number; tokensPerStep: number } {
  const sequencesPerStep = c.microBatch * c.gradAccum;
  return { sequencesPerStep, tokensPerStep: sequencesPerStep * c.seqLen };
}
