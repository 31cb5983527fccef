// Format detection from a sample of rows (with a confidence per format), and the column mapping applied before it.
import { LatheError } from '../api/errors';
import { DATA_FORMATS, type DataFormat } from './types';

/** canonical field -> source column, e.g. { instruction: 'question', output: 'answer' }. */
export type FieldMap = Record<string, string>;

export interface FormatGuess {
  format: DataFormat;
  /** Fraction of the sampled rows that carry this format's fields (0..1). */
  confidence: number;
}

export interface Detection {
  format: DataFormat;
  confidence: number;
  candidates: FormatGuess[];
  /** Every field name seen in the sample, in first-seen order. */
  fields: string[];
}

export const FORMAT_FIELDS: Record<DataFormat, { required: string[]; optional: string[]; description: string }> = {
  alpaca: { required: ['instruction', 'output'], optional: ['input', 'system'], description: 'Alpaca: instruction, input, output (optional system)' },
  sharegpt: { required: ['conversations'], optional: ['system'], description: 'ShareGPT: conversations: [{from, value}]' },
  messages: { required: ['messages'], optional: [], description: 'messages: [{role, content}]' },
  preference: { required: ['chosen', 'rejected'], optional: ['prompt', 'system'], description: 'preference: prompt, chosen, rejected (or chosen/rejected message lists that share the prompt)' },
  kto: { required: ['prompt', 'completion', 'label'], optional: ['system'], description: 'KTO: prompt, completion, label (true = desirable)' },
  prompts: { required: ['answer'], optional: ['prompt', 'messages', 'system'], description: 'prompts (GRPO): prompt or messages, answer' },
  completion: { required: ['prompt', 'completion'], optional: [], description: 'completion: prompt, completion' },
  text: { required: ['text'], optional: [], description: 'raw text: text' },
};

/** Columns read by every format that has messages (the `tools` column: tool definitions for the template). */
const SHARED_FIELDS = ['tools'];
/** Keys inside each message: `role=from` and `content=value` name the message's own keys. */
const MESSAGE_KEYS = ['role', 'content'];
/** `role.assistant=gpt,bing`: role values (case-insensitive) that mean a canonical role. */
const ROLE_ALIAS = /^role\.(system|developer|user|assistant|tool|function_call)$/;
/** Fields that hold message lists, where message-level mapping applies. */
const MESSAGE_LISTS = ['messages', 'conversations', 'chosen', 'rejected', 'prompt', 'completion'];

/**
 * Parses `field=column` pairs (CLI --map) into a FieldMap, rejecting unknown canonical fields. Besides top-level
 * columns it takes message-level keys: `role=from`, `content=value`, and role values such as `role.user=human`.
 */
export function parseFieldMap(pairs: string[]): FieldMap {
  const known = new Set([...Object.values(FORMAT_FIELDS).flatMap((f) => [...f.required, ...f.optional]), ...SHARED_FIELDS, ...MESSAGE_KEYS]);
  const map: FieldMap = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new LatheError('data_bad_map', `--map "${p}" is not of the form field=column.`, 'Example: --map instruction=question --map output=answer');
    const field = p.slice(0, eq).trim();
    if (!known.has(field) && !ROLE_ALIAS.test(field)) {
      throw new LatheError('data_bad_map', `--map "${p}": "${field}" is not a field Lathe knows.`, `Known fields: ${[...known].join(', ')}; role values: role.user=human (also role.system, role.developer, role.assistant, role.tool, role.function_call).`);
    }
    map[field] = p.slice(eq + 1).trim();
  }
  return map;
}

/** Returns the row seen through the mapping: mapped columns appear under their canonical names. */
export function applyFieldMap(row: Record<string, unknown>, map: FieldMap | undefined): Record<string, unknown> {
  if (!map) return row;
  const keys = Object.keys(map);
  if (keys.length === 0) return row;
  const out: Record<string, unknown> = { ...row };
  for (const k of keys) {
    if (MESSAGE_KEYS.includes(k) || ROLE_ALIAS.test(k)) continue;
    const col = map[k];
    if (col in row) out[k] = row[col];
    else delete out[k];
  }
  const aliases = new Map<string, string>();
  for (const k of keys) {
    const m = ROLE_ALIAS.exec(k);
    if (m) for (const v of map[k].split(',')) if (v.trim()) aliases.set(v.trim().toLowerCase(), m[1]);
  }
  if (!map.role && !map.content && aliases.size === 0) return out;
  for (const f of MESSAGE_LISTS) {
    if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).map((m) => mapMessage(m, map.role, map.content, aliases));
  }
  return out;
}

/** A canonical field path (`messages[1].role`) as the source file names it (`chat[1].speaker`) under `map`. */
export function sourceField(field: string, map: FieldMap | undefined): string {
  if (!map || !field) return field;
  const m = /^([A-Za-z_]+)(.*)$/.exec(field);
  if (!m) return field;
  let [, head, rest] = m;
  if (map[head] && !MESSAGE_KEYS.includes(head)) head = map[head];
  if (MESSAGE_LISTS.includes(m[1])) {
    rest = rest.replace(/^(\[\d+\])\.(role|content)\b/, (_x, idx: string, key: 'role' | 'content') => `${idx}.${map[key] ?? key}`);
  }
  return head + rest;
}

/** One message seen through the message-level mapping: its role and content keys renamed, its role value resolved. */
function mapMessage(m: unknown, roleKey: string | undefined, contentKey: string | undefined, aliases: Map<string, string>): unknown {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return m;
  const o: Record<string, unknown> = { ...(m as Record<string, unknown>) };
  for (const [canon, key] of [['role', roleKey], ['content', contentKey]] as const) {
    if (!key || key === canon || !(key in o)) continue;
    o[canon] = o[key];
    delete o[key];
  }
  // ShareGPT rows keep from/value when only role values are mapped.
  const rk = 'role' in o ? 'role' : 'from' in o ? 'from' : null;
  if (rk && typeof o[rk] === 'string') {
    const canon = aliases.get((o[rk] as string).toLowerCase());
    if (canon) o[rk] = canon;
  }
  return o;
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

function firstItem(v: unknown): Record<string, unknown> | null {
  if (!isList(v) || v.length === 0) return null;
  const x = v[0];
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

/** How well one row fits each format: 1 = all required fields present with the right shape, 0.5 = present, 0 = absent. */
export function scoreRow(row: Record<string, unknown>): Record<DataFormat, number> {
  const has = (k: string): boolean => row[k] !== undefined;
  const conv = row.conversations ?? row.messages;
  const item = firstItem(conv);
  const sharegptItem = item !== null && 'from' in item && 'value' in item;
  const messagesItem = item !== null && 'role' in item && 'content' in item;
  return {
    alpaca: has('instruction') && has('output') ? 1 : 0,
    sharegpt: has('conversations') || has('messages') ? (sharegptItem ? 1 : item ? 0 : 0.25) : 0,
    messages: has('messages') || has('conversations') ? (messagesItem ? 1 : item ? 0 : 0.25) : 0,
    // Hugging Face's implicit-prompt shape: no prompt field, chosen and rejected are whole conversations.
    preference: has('chosen') && has('rejected') && (has('prompt') || (isList(row.chosen) && isList(row.rejected))) ? 1 : 0,
    kto: has('prompt') && has('completion') && has('label') ? 1 : 0,
    prompts: has('answer') && (has('prompt') || has('messages')) && !has('completion') && !has('chosen') ? 1 : 0,
    completion: has('prompt') && has('completion') ? 1 : 0,
    text: has('text') ? (Object.keys(row).length === 1 ? 1 : 0.9) : 0,
  };
}

// When two formats fit equally, the more specific one wins (preference rows also have a prompt; messages rows may have a text column).
const PRIORITY: DataFormat[] = ['preference', 'kto', 'prompts', 'sharegpt', 'messages', 'alpaca', 'completion', 'text'];

export function detectFormat(sample: Record<string, unknown>[], file = 'the file'): Detection {
  const fields: string[] = [];
  const seen = new Set<string>();
  const totals: Record<DataFormat, number> = { alpaca: 0, sharegpt: 0, messages: 0, preference: 0, kto: 0, prompts: 0, completion: 0, text: 0 };
  for (const row of sample) {
    for (const k of Object.keys(row)) if (!seen.has(k)) { seen.add(k); fields.push(k); }
    const s = scoreRow(row);
    for (const f of DATA_FORMATS) totals[f] += s[f];
  }
  const n = Math.max(1, sample.length);
  const candidates = DATA_FORMATS.map((format) => ({ format, confidence: Math.round((totals[format] / n) * 1000) / 1000 }))
    .filter((c) => c.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence || PRIORITY.indexOf(a.format) - PRIORITY.indexOf(b.format));
  const best = candidates[0];
  if (!best || best.confidence < 0.5) {
    throw new LatheError(
      'data_format_unknown',
      `${file}: cannot tell the dataset format from the fields ${fields.length ? fields.map((f) => `"${f}"`).join(', ') : '(no readable rows)'}.`,
      'Name the format with --format (alpaca, sharegpt, messages, preference, kto, prompts, completion, text) and map your columns, e.g. --map instruction=question --map output=answer.',
    );
  }
  return { format: best.format, confidence: best.confidence, candidates, fields };
}
