// Turns training.configHelp (every key with its default and reason) into form fields, and the form's values into the
// config sent to training.start. Defaults always come from the server; only labels and input kinds live here.
import type { ConfigHelp } from '../../../../main/api/contract';

export type FieldKind =
  | { type: 'number'; integer: boolean }
  | { type: 'boolean' }
  | { type: 'choice'; options: string[] }
  | { type: 'multi'; options: string[] }
  /** A list of numbers (e.g. reward weights), typed as "1, 0.5". */
  | { type: 'numberList' }
  /** Named values (e.g. template variables), typed as "enable_thinking=false, lang=de". */
  | { type: 'pairs' }
  /** Extra datasets with weights (the mixture): rows held as JSON text, one per dataset. */
  | { type: 'mixture' }
  | { type: 'text'; mono: boolean };

export interface ConfigField {
  key: string;
  label: string;
  help: string;
  /** The server's default; null when the key is optional and unset by default. */
  defaultValue: unknown;
  kind: FieldKind;
  group: string;
  /** Bounds the server enforces (numbers only). */
  min?: number;
  max?: number;
  /** The value must be strictly above min (e.g. learning rate > 0). */
  minExclusive?: boolean;
}

/** Keys the form asks for up front (not in Advanced settings). */
export const PRIMARY_KEYS = new Set(['model', 'dataset']);

const LABELS: Record<string, string> = {
  validationDataset: 'Validation file',
  quant: 'Base weights',
  loraR: 'LoRA rank (r)',
  loraAlpha: 'LoRA alpha',
  loraDropout: 'LoRA dropout',
  loraTargets: 'Target modules',
  rslora: 'rsLoRA scaling',
  seqLen: 'Sequence length',
  microBatch: 'Micro-batch',
  gradAccum: 'Gradient accumulation',
  maxSteps: 'Max steps',
  learningRate: 'Learning rate',
  schedule: 'LR schedule',
  warmupSteps: 'Warmup steps',
  weightDecay: 'Weight decay',
  maxGradNorm: 'Max gradient norm',
  evalEvery: 'Evaluate every (steps)',
  checkpointEverySteps: 'Checkpoint every (steps)',
  checkpointEveryMinutes: 'Checkpoint every (minutes)',
  keepCheckpoints: 'Checkpoints kept',
  lossMask: 'Train on',
  validationFraction: 'Validation fraction',
  objective: 'Objective',
  beta: 'Beta (β)',
  labelSmoothing: 'Label smoothing',
  simpoGamma: 'SimPO margin (γ)',
  initAdapter: 'Start from adapter',
  loraPlusRatio: 'LoRA+ ratio (B learns faster)',
  adamBeta1: 'Adam β1',
  adamBeta2: 'Adam β2',
  adamEps: 'Adam ε',
  lengthPolicy: 'Longer rows',
  chatTemplate: 'Chat template',
  templateVars: 'Template variables',
  columnMap: 'Column mapping',
  datasetWeight: 'Main dataset weight',
  mixture: 'Mix in more datasets',
  offloadActivations: 'Offload activations to system memory',
};

/** Groups in the order a user tunes them; keys matching none go to "Engine". */
export const GROUP_ORDER = ['Objective', 'Adapter', 'Optimization', 'Data', 'Evaluation & checkpoints', 'Engine'];
const GROUPS: [string, RegExp][] = [
  ['Objective', /^(objective|beta|labelSmoothing|simpoGamma|initAdapter)$/],
  ['Adapter', /^(quant|lora|rslora)/],
  ['Data', /^(validation|seqLen|packing|lossMask|lengthPolicy|chatTemplate|templateVars|columnMap|train(Reasoning|OnEos)|mixture|datasetWeight)/],
  ['Optimization', /^(microBatch|gradAccum|epochs|maxSteps|learningRate|schedule|warmupSteps|weightDecay|maxGradNorm|seed|adamBeta1|adamBeta2|adamEps)$/],
  ['Evaluation & checkpoints', /^(evalEvery|checkpoint|keepCheckpoints)/],
];

export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The input kind comes from the server's schema (configHelp carries kind, options and bounds). */
function kindOf(key: string, h: ConfigHelp[string]): FieldKind {
  switch (h.kind) {
    case 'enum':
      return { type: 'choice', options: h.options ?? [] };
    case 'list':
      // Lists of choices are toggles; the only free list the schema has is numbers.
      return h.options?.length ? { type: 'multi', options: h.options } : { type: 'numberList' };
    case 'boolean':
      return { type: 'boolean' };
    case 'map':
      return { type: 'pairs' };
    case 'entries':
      return { type: 'mixture' };
    case 'integer':
      return { type: 'number', integer: true };
    case 'number':
      return { type: 'number', integer: false };
    default:
      return { type: 'text', mono: key === 'model' || key === 'dataset' || key === 'validationDataset' };
  }
}

export function configFields(help: ConfigHelp): ConfigField[] {
  return Object.entries(help).map(([key, h]) => ({
    key,
    label: LABELS[key] ?? humanize(key),
    help: h.help,
    defaultValue: h.default,
    kind: kindOf(key, h),
    group: GROUPS.find(([, re]) => re.test(key))?.[0] ?? 'Engine',
    // zod reports "no bound" on integers as ±MAX_SAFE_INTEGER: not a bound worth showing.
    ...(h.min !== undefined && h.min > -Number.MAX_SAFE_INTEGER ? { min: h.min } : {}),
    ...(h.max !== undefined && h.max < Number.MAX_SAFE_INTEGER ? { max: h.max } : {}),
    ...(h.minExclusive ? { minExclusive: true } : {}),
  }));
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** "1 – 512", "at least 16", "at most 0.9"; empty when the schema gives no bounds. */
export function rangeText(f: Pick<ConfigField, 'min' | 'max' | 'minExclusive'>): string {
  if (f.min !== undefined && f.minExclusive) return f.max !== undefined ? `above ${nf.format(f.min)}, at most ${nf.format(f.max)}` : `above ${nf.format(f.min)}`;
  if (f.min !== undefined && f.max !== undefined) return `${nf.format(f.min)} – ${nf.format(f.max)}`;
  if (f.min !== undefined) return `at least ${nf.format(f.min)}`;
  if (f.max !== undefined) return `at most ${nf.format(f.max)}`;
  return '';
}

/** What the form holds per key: strings for number and text inputs, booleans, string lists. */
export type FormValues = Record<string, string | boolean | string[]>;

export interface FormError {
  key: string;
  code: string;
  message: string;
  hint: string;
}

/**
 * Parses the form's strings into config values, checking numbers against the schema's kind and bounds so a typo is
 * named at its field before anything is sent (the server still validates everything).
 */
export function parseOverrides(fields: ConfigField[], overrides: FormValues): { values: Record<string, unknown>; error?: FormError } {
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    if (!Object.prototype.hasOwnProperty.call(overrides, f.key)) continue;
    const raw = overrides[f.key];
    if (f.kind.type === 'mixture' && Array.isArray(raw)) {
      const rows = raw.map((r) => JSON.parse(r) as { dataset?: string; weight?: number | string });
      const empty = rows.findIndex((r) => !r.dataset);
      if (empty >= 0) return { values, error: { key: f.key, code: 'form.required', message: `${f.label}: dataset ${empty + 1} of the mixture is not chosen.`, hint: 'Choose a dataset for that row, or remove it.' } };
      const bad = rows.findIndex((r) => !(String(r.weight ?? '').trim() !== '' && Number(r.weight) > 0 && Number.isFinite(Number(r.weight))));
      if (bad >= 0) return { values, error: { key: f.key, code: 'form.outOfRange', message: `${f.label}: the weight of dataset ${bad + 1} must be a number above 0.`, hint: 'Weights are relative shares: 1 and 3 make 25% and 75%.' } };
      values[f.key] = rows.length ? rows.map((r) => ({ ...r, weight: Number(r.weight) })) : undefined;
      continue;
    }
    if (typeof raw !== 'string') {
      values[f.key] = raw;
      continue;
    }
    const s = raw.trim();
    if (!s) {
      values[f.key] = undefined;
      continue;
    }
    if (f.kind.type === 'numberList') {
      const parts = s.split(/[\s,]+/).filter(Boolean);
      const bad = parts.find((x) => !Number.isFinite(Number(x)));
      if (bad !== undefined) return { values, error: { key: f.key, code: 'form.notANumber', message: `${f.label}: “${bad}” is not a number.`, hint: 'Enter numbers separated by commas, e.g. 1, 0.5, or clear the field for the default.' } };
      values[f.key] = parts.map(Number);
      continue;
    }
    if (f.kind.type === 'pairs') {
      const parsed = parsePairs(s);
      if ('bad' in parsed) return { values, error: { key: f.key, code: 'form.notPairs', message: `${f.label}: “${parsed.bad}” is not name=value.`, hint: 'Write name=value pairs separated by commas, e.g. enable_thinking=false, or clear the field.' } };
      values[f.key] = parsed.pairs;
      continue;
    }
    if (f.kind.type !== 'number') {
      values[f.key] = s;
      continue;
    }
    const back = `Enter a number${f.min !== undefined || f.max !== undefined ? ` (${rangeText(f)})` : ''}, or clear the field for the default (${formatValue(f.defaultValue)}).`;
    const n = Number(s);
    if (!Number.isFinite(n)) return { values, error: { key: f.key, code: 'form.notANumber', message: `${f.label}: “${s}” is not a number.`, hint: back } };
    if (f.kind.integer && !Number.isInteger(n)) return { values, error: { key: f.key, code: 'form.notAnInteger', message: `${f.label}: ${s} is not a whole number.`, hint: back } };
    if ((f.min !== undefined && (n < f.min || (f.minExclusive && n === f.min))) || (f.max !== undefined && n > f.max)) {
      return { values, error: { key: f.key, code: 'form.outOfRange', message: `${f.label}: ${s} is out of range; it must be ${f.min !== undefined && f.max !== undefined && !f.minExclusive ? `between ${nf.format(f.min)} and ${nf.format(f.max)}` : rangeText(f)}.`, hint: back } };
    }
    values[f.key] = n;
  }
  return { values };
}

/** "a=1, b=text" into { a: 1, b: 'text' }: a value is JSON when it parses (numbers, true/false, null), else text. */
export function parsePairs(s: string): { pairs: Record<string, unknown> } | { bad: string } {
  const pairs: Record<string, unknown> = {};
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    // Names may be dotted (columnMap's role.user=human).
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(part);
    if (!m) return { bad: part };
    let v: unknown = m[2];
    try {
      v = JSON.parse(m[2]);
    } catch {
      // Plain text stays text.
    }
    pairs[m[1]] = v !== null && typeof v === 'object' ? m[2] : v;
  }
  return { pairs };
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'not set';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).join(', ');
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

/** The config for training.start: preset over defaults, then the user's overrides; unset optional keys are omitted. */
export function buildConfig(base: { model: string; dataset: string }, preset: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { model: base.model.trim(), dataset: base.dataset.trim() };
  for (const [k, v] of Object.entries({ ...preset, ...overrides })) {
    if (v === undefined || v === null || v === '') continue;
    out[k] = v;
  }
  return out;
}

/** The form key a server error's field names: "config.loraR" (API validation) or "loraR" (a config check), if the form has it. */
export function configKeyOf(field: string | undefined, keys: Iterable<string>): string | undefined {
  const key = field?.replace(/^config\./, '').split('.')[0];
  return key && [...keys].includes(key) ? key : undefined;
}
