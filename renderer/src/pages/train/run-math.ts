// Pure helpers for the run views: which actions a status allows, total steps, ETA from recent step times, durations,
// and merging live metric events into the loaded history.
import type { Run, RunMetric, StepMetrics } from '../../../../main/api/contract';

export type RunStatus = Run['status'];

export const STATUS_LABEL: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  paused: 'Paused',
  interrupted: 'Interrupted',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const isLive = (s: RunStatus): boolean => s === 'running' || s === 'queued';
export const canPause = (s: RunStatus): boolean => s === 'running' || s === 'queued';
/** The job manager resumes anything but a completed run from its newest valid checkpoint. */
export const canResume = (s: RunStatus): boolean => s === 'paused' || s === 'interrupted' || s === 'failed' || s === 'cancelled';
export const canCancel = (s: RunStatus): boolean => s === 'running' || s === 'queued' || s === 'paused';

/** Total optimizer steps: known once the host has read the data, or fixed up front by maxSteps. */
export function totalStepsOf(run: Run): number | null {
  if (run.totalSteps > 0) return run.totalSteps;
  const max = run.config.maxSteps;
  return typeof max === 'number' && max > 0 ? max : null;
}

/** A metric from the live event, in the shape runs.get returns, stamped with its arrival time. */
export function toRunMetric(m: StepMetrics & { memoryBytes?: number }, at = new Date().toISOString()): RunMetric {
  return {
    step: m.step,
    loss: m.loss,
    lr: m.lr,
    gradNorm: m.gradNorm,
    tokensPerSecond: m.tokensPerSecond,
    evalLoss: m.evalLoss ?? null,
    memoryBytes: m.memoryBytes ?? null,
    skipped: m.skipped ?? null,
    at,
  };
}

/**
 * Adds one metric to a step-ordered list. A step at or before the last one means the run resumed from a checkpoint
 * and is re-training those steps: the newer values replace everything from that step on.
 */
export function mergeMetric(list: RunMetric[], m: RunMetric): RunMetric[] {
  const last = list[list.length - 1];
  if (!last || m.step > last.step) return [...list, m];
  return [...list.filter((x) => x.step < m.step), m];
}

/** Seconds per step over the last `window` steps, from the metrics' timestamps; null until two steps are known. */
export function secondsPerStep(metrics: RunMetric[], window = 20): number | null {
  const recent = metrics.slice(-window - 1);
  if (recent.length < 2) return null;
  const first = recent[0];
  const last = recent[recent.length - 1];
  const dt = (Date.parse(last.at) - Date.parse(first.at)) / 1000;
  const steps = last.step - first.step;
  if (!(dt > 0) || steps <= 0) return null;
  return dt / steps;
}

export function etaSeconds(metrics: RunMetric[], total: number | null): number | null {
  const per = secondsPerStep(metrics);
  const step = metrics[metrics.length - 1]?.step ?? 0;
  if (per === null || total === null) return null;
  return Math.max(0, (total - step) * per);
}

/** "45s", "3m 20s", "2h 05m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function elapsedSeconds(run: Run, now = Date.now()): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt && !isLive(run.status) ? Date.parse(run.finishedAt) : isLive(run.status) ? now : Date.parse(run.updatedAt);
  return Math.max(0, (end - Date.parse(run.startedAt)) / 1000);
}

/** Losses print with 4 significant digits; learning rates in exponent form. */
export function formatLoss(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toPrecision(4);
}

export function formatLr(v: number): string {
  return v === 0 ? '0' : v.toExponential(2);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The checkpoint with the lowest eval loss (the one kept as "best"), if any has one. */
export function bestCheckpointStep(cps: { step: number; evalLoss: number | null }[]): number | null {
  let best: { step: number; evalLoss: number } | null = null;
  for (const c of cps) if (c.evalLoss !== null && (best === null || c.evalLoss < best.evalLoss)) best = { step: c.step, evalLoss: c.evalLoss };
  return best?.step ?? null;
}
