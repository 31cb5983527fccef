// The New run form's memory check: the fit check of the settings in the form now, the plan when it is over what a run
// may use (the form then warns and says "Start anyway"), and its suggestion as form changes that keep the batch.
import type { FitCheck } from '../../../../main/api/contract';
import { applyNote, applySuggestion, type Batch } from './batch-math';
import { useFitCheck, type FitCheckState } from './useFitCheck';

export interface RunFit {
  state: FitCheckState;
  /** The current plan when it does not fit; never an answer for older settings. */
  overPlan: FitCheck | undefined;
  /** The form changes that apply a suggestion of the fit check. */
  changesFor(s: { microBatch: number; seqLen: number }): Record<string, string>;
  /** Said with the suggestion when applying it raises gradient accumulation. */
  applyNote: string | undefined;
}

export function useRunFit(config: Record<string, unknown> | undefined, batch: Batch | undefined, maxAccum: number): RunFit {
  const state = useFitCheck(config);
  const now = state.plan && state.plan.key === state.key ? state.plan.result : undefined;
  const overPlan = now && !now.fits ? now : undefined;
  const changesFor = (s: { microBatch: number; seqLen: number }) => applySuggestion(batch, s, maxAccum);
  return { state, overPlan, changesFor, applyNote: applyNote(overPlan?.suggestion ? changesFor(overPlan.suggestion) : undefined) };
}
