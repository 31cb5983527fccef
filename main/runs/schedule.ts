// Learning-rate schedules (linear warmup, then cosine / linear decay to a floor, warmup-stable-decay, or constant):
// pure functions of the step.
import type { TrainingConfig } from '../api/training-config';

type ScheduleKeys = Pick<TrainingConfig, 'learningRate' | 'schedule' | 'warmupSteps'> & Partial<Pick<TrainingConfig, 'minLrRatio' | 'decayFraction'>>;

/** LR for optimizer step `step` (0-based) of `totalSteps`. Decays reach the floor (minLrRatio x peak) at the last step. */
export function learningRateAt(step: number, totalSteps: number, c: ScheduleKeys): number {
  const peak = c.learningRate;
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (peak * (step + 1)) / c.warmupSteps;
  if (c.schedule === 'constant') return peak;
  const floor = peak * (c.minLrRatio ?? 0);
  const decaySteps = Math.max(1, totalSteps - c.warmupSteps);
  if (c.schedule === 'wsd') {
    // Warmup-stable-decay: hold the peak, then decay linearly over the last decayFraction of the post-warmup steps.
    const tail = Math.max(1, Math.ceil(decaySteps * (c.decayFraction ?? 0.2)));
    const into = step - (totalSteps - tail);
    if (into < 0) return peak;
    return peak - (peak - floor) * Math.min(1, (into + 1) / tail);
  }
  const progress = Math.min(1, Math.max(0, (step - c.warmupSteps) / decaySteps));
  if (c.schedule === 'linear') return floor + (peak - floor) * (1 - progress);
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
