// Learning-rate schedules (linear warmup, then cosine / linear decay or constant): pure functions of the step.
import type { TrainingConfig } from './config';

/** LR for optimizer step `step` (0-based) of `totalSteps`. Cosine and linear decay to 0 at the last step. */
export function learningRateAt(step: number, totalSteps: number, c: Pick<TrainingConfig, 'learningRate' | 'schedule' | 'warmupSteps'>): number {
  const peak = c.learningRate;
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (peak * (step + 1)) / c.warmupSteps;
  if (c.schedule === 'constant') return peak;
  const decaySteps = Math.max(1, totalSteps - c.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - c.warmupSteps) / decaySteps));
  if (c.schedule === 'linear') return peak * (1 - progress);
  return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
}
