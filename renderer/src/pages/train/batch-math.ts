// The batch arithmetic users otherwise do by hand in the New run form: the micro-batch, accumulation and sequence
// length the run would get, the sequences and tokens per optimizer step, and a fit suggestion as form changes.
import type { ConfigHelp } from '../../../../main/api/contract';
import { suggestionOverrides } from './fit-math';

const nf = new Intl.NumberFormat('en-US');

export interface Batch {
  microBatch: number;
  gradAccum: number;
  seqLen: number;
}

/** A number setting as the run would get it: the user's value, else the preset's (goal included), else the server's default. */
export function effectiveNumber(key: string, overrides: Record<string, unknown>, preset: Record<string, unknown>, help: ConfigHelp | undefined): number | undefined {
  const o = overrides[key];
  const v = typeof o === 'string' && o.trim() ? Number(o) : (preset[key] ?? help?.[key]?.default);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The batch the run would train with; undefined while any of the three is unknown (or 0, mid-typing). */
export function effectiveBatch(overrides: Record<string, unknown>, preset: Record<string, unknown>, help: ConfigHelp | undefined): Batch | undefined {
  const microBatch = effectiveNumber('microBatch', overrides, preset, help);
  const gradAccum = effectiveNumber('gradAccum', overrides, preset, help);
  const seqLen = effectiveNumber('seqLen', overrides, preset, help);
  return microBatch && gradAccum && seqLen ? { microBatch, gradAccum, seqLen } : undefined;
}

/** "8 sequences of up to 1,024 tokens per optimizer step (8,192 tokens)"; empty while the batch is unknown. */
export function batchText(b: Batch | undefined): string {
  if (!b) return '';
  const perStep = b.microBatch * b.gradAccum;
  return `${perStep} sequence${perStep === 1 ? '' : 's'} of up to ${nf.format(b.seqLen)} tokens per optimizer step (${nf.format(perStep * b.seqLen)} tokens)`;
}

/**
 * The form changes that apply a fit suggestion. With the batch known, accumulation is raised so the sequences per
 * step stay as they were; without it, only the suggestion's own two values.
 */
export function applySuggestion(batch: Batch | undefined, s: { microBatch: number; seqLen: number }, maxAccum: number): Record<string, string> {
  return batch ? suggestionOverrides(batch, s, maxAccum) : { microBatch: String(s.microBatch), seqLen: String(s.seqLen) };
}

/** Said next to the suggestion when applying it changes accumulation too, so the user sees the batch is kept. */
export function applyNote(changes: Record<string, string> | undefined): string | undefined {
  return changes?.gradAccum ? `gradient accumulation ${nf.format(Number(changes.gradAccum))} keeps ${nf.format(Number(changes.gradAccum) * Number(changes.microBatch))} sequences per step` : undefined;
}
