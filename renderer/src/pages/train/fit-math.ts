// Pure helpers for the fit check: the memory plan's arenas as bar segments against what a run may use, a stable key
// for "these exact settings", and the form changes that apply a suggestion without shrinking the effective batch.
import type { FitCheck } from '../../../../main/api/contract';

// hostActivations (offloaded checkpoints) lives in system memory, not on the device the bar measures.
export type ArenaKey = keyof Omit<FitCheck['plan'], 'total' | 'hostActivations'>;

/** The engine's arenas in the order they are drawn, with what each holds (shown in the legend's tooltips). */
export const ARENAS: readonly { key: ArenaKey; label: string; what: string }[] = [
  { key: 'weights', label: 'Base weights', what: 'The frozen model, stored in the chosen base-weight format.' },
  { key: 'lora', label: 'LoRA', what: 'The adapter being trained and its gradients.' },
  { key: 'optimizer', label: 'Optimizer', what: 'Adam’s two moments for every adapter weight.' },
  { key: 'activations', label: 'Activations', what: 'What the backward pass needs from the forward pass; grows with micro-batch × sequence length.' },
  { key: 'kvCache', label: 'KV cache', what: 'Attention keys and values (generation only; training recomputes them).' },
  { key: 'scratch', label: 'Scratch', what: 'Temporary buffers reused by every layer (logits, attention tiles).' },
];

export interface Segment {
  key: ArenaKey;
  label: string;
  what: string;
  bytes: number;
  /** Share of the bar (0..1): the bar's full width is the larger of the plan and what a run may use. */
  width: number;
  /** Share of the plan (0..1). */
  share: number;
}

export interface MemoryBar {
  segments: Segment[];
  /** Where the budget line sits on the bar (0..1); 1 when the plan fits. */
  budgetAt: number;
  /** Planned bytes over the budget (0 when it fits). */
  overBytes: number;
  /** The plan as a share of the budget (can exceed 1). */
  usedShare: number;
}

export function memoryBar(fit: Pick<FitCheck, 'plan' | 'plannedBytes' | 'budgetBytes'>): MemoryBar {
  const scale = Math.max(fit.plannedBytes, fit.budgetBytes, 1);
  const total = Math.max(fit.plannedBytes, 1);
  const segments = ARENAS.filter((a) => fit.plan[a.key] > 0).map((a) => ({ ...a, bytes: fit.plan[a.key], width: fit.plan[a.key] / scale, share: fit.plan[a.key] / total }));
  return {
    segments,
    budgetAt: fit.budgetBytes / scale,
    overBytes: Math.max(0, fit.plannedBytes - fit.budgetBytes),
    usedShare: fit.budgetBytes > 0 ? fit.plannedBytes / fit.budgetBytes : Infinity,
  };
}

/** Offloaded activations wait in system memory, beside the device's plan: their bytes, what may be used, and whether they fit. */
export function hostMemory(fit: Pick<FitCheck, 'plan' | 'hostBudgetBytes'>): { bytes: number; budgetBytes: number | null; over: boolean } | null {
  const bytes = fit.plan.hostActivations ?? 0;
  if (bytes <= 0) return null;
  const budgetBytes = fit.hostBudgetBytes ?? null;
  return { bytes, budgetBytes, over: budgetBytes !== null && bytes > budgetBytes };
}

/** "0.03%", "42%", "2.4×": how much of the usable memory the plan takes. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return '—';
  if (share > 1) return `${share >= 10 ? Math.round(share) : share.toFixed(1)}×`;
  const pct = share * 100;
  if (pct === 0) return '0%';
  if (pct < 0.01) return '<0.01%';
  if (pct < 1) return `${pct.toPrecision(1)}%`;
  return `${Math.round(pct)}%`;
}

/** A stable key for a config (key order does not matter), so results are matched to the exact settings they are for. */
export function configKey(config: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(config).sort().map((k) => [k, config[k]]));
}

/**
 * The form values that apply a suggestion: its micro-batch and sequence length, and gradient accumulation raised so
 * the sequences per optimizer step stay as they were (as far as the accumulation limit allows).
 */
export function suggestionOverrides(
  current: { microBatch: number; gradAccum: number; seqLen: number },
  suggestion: { microBatch: number; seqLen: number },
  maxAccum = 4096,
): Record<string, string> {
  const out: Record<string, string> = { microBatch: String(suggestion.microBatch), seqLen: String(suggestion.seqLen) };
  const perStep = current.microBatch * current.gradAccum;
  const accum = Math.min(maxAccum, Math.max(1, Math.round(perStep / suggestion.microBatch)));
  if (accum !== current.gradAccum) out.gradAccum = String(accum);
  return out;
}
