// Pure helpers for the run views: which actions a status allows, total steps, ETA from recent step times, durations,
// and merging live metric events into the loaded history.
import type { Run, RunMetric } from '../../../../main/api/contract';

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

/** A metric as the charts use it: the stored record plus the engine's memory plan (live events carry it). */
export type ChartMetric = RunMetric & { plannedBytes?: number | null } & Partial<Record<PreferenceKey, number>>;

/** Preference-objective figures lifted out of `extra` so charts can address them as plain keys. */
export const PREFERENCE_KEYS = {
  rewardAccuracy: 'rewards/accuracy',
  evalRewardAccuracy: 'eval/rewards/accuracy',
  rewardChosen: 'rewards/chosen',
  rewardRejected: 'rewards/rejected',
  rewardMargin: 'rewards/margin',
  evalRewardMargin: 'eval/rewards/margin',
  // GRPO
  rewardMean: 'reward/mean',
  rewardStd: 'reward/std',
  evalRewardMean: 'eval/reward/mean',
  completionLength: 'completion/length',
  kl: 'kl',
} as const;
export type PreferenceKey = keyof typeof PREFERENCE_KEYS;

export function withPreferenceKeys(m: ChartMetric): ChartMetric {
  if (!m.extra) return m;
  const out: ChartMetric = { ...m };
  for (const [k, name] of Object.entries(PREFERENCE_KEYS) as [PreferenceKey, string][]) if (typeof m.extra[name] === 'number') out[k] = m.extra[name];
  return out;
}

/** Step 0 is the baseline evaluation before any update: it has an eval loss but no training values. */
export const trainingSteps = <M extends RunMetric>(metrics: M[]): M[] => metrics.filter((m) => m.step > 0);

/**
 * Adds one metric to a step-ordered list. A step at or before the last one means the run resumed from a checkpoint
 * and is re-training those steps: the newer values replace everything from that step on.
 */
export function mergeMetric<M extends RunMetric>(list: M[], m: M): M[] {
  const last = list[list.length - 1];
  if (!last || m.step > last.step) return [...list, m];
  return [...list.filter((x) => x.step < m.step), m];
}

/**
 * Seconds per step over the last `window` steps, from the metrics' timestamps; null until two steps are known. Gaps far
 * longer than the typical step (a pause, a resume loading the model, the baseline evaluation) are left out, so the
 * estimate follows the training speed rather than the time the run spent stopped.
 */
export function secondsPerStep(metrics: RunMetric[], window = 20): number | null {
  const recent = trainingSteps(metrics).slice(-window - 1);
  const gaps: { dt: number; steps: number }[] = [];
  for (let i = 1; i < recent.length; i++) {
    const dt = (Date.parse(recent[i].at) - Date.parse(recent[i - 1].at)) / 1000;
    const steps = recent[i].step - recent[i - 1].step;
    if (steps > 0 && dt >= 0 && Number.isFinite(dt)) gaps.push({ dt, steps });
  }
  if (!gaps.length) return null;
  const perStep = gaps.map((g) => g.dt / g.steps).sort((a, b) => a - b);
  // The lower median: with one normal gap and one pause, the normal one is the reference.
  const median = perStep[Math.floor((perStep.length - 1) / 2)];
  const kept = gaps.filter((g) => g.dt / g.steps <= Math.max(median * 5, 0.05));
  const dt = kept.reduce((s, g) => s + g.dt, 0);
  const steps = kept.reduce((s, g) => s + g.steps, 0);
  return dt > 0 && steps > 0 ? dt / steps : null;
}

export function etaSeconds(metrics: RunMetric[], total: number | null): number | null {
  const per = secondsPerStep(metrics);
  const step = metrics[metrics.length - 1]?.step ?? 0;
  if (per === null || total === null) return null;
  return Math.max(0, (total - step) * per);
}

/** "<1s", "45s", "3m 20s", "2h 05m". */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds < 0.5) return '<1s';
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

export interface LiveDetail {
  run: Run;
  metrics: ChartMetric[];
  checkpoints: { step: number; dir: string; evalLoss: number | null }[];
}

/**
 * A fresh runs.get answer over what the dashboard shows: metrics that arrived live while the request was out are newer
 * than the answer and are applied on top; the run record is the newer of the two (by updatedAt).
 */
export function mergeFetched(prev: LiveDetail | undefined, fetched: LiveDetail, liveSince: ChartMetric[]): LiveDetail {
  const metrics = liveSince.reduce((list, m) => mergeMetric(list, m), fetched.metrics);
  let run = prev && prev.run.id === fetched.run.id && Date.parse(prev.run.updatedAt) > Date.parse(fetched.run.updatedAt) ? prev.run : fetched.run;
  const lastLive = liveSince[liveSince.length - 1];
  if (lastLive && lastLive.step > run.step) run = { ...run, step: lastLive.step, lastLoss: lastLive.loss ?? run.lastLoss };
  return { run, metrics, checkpoints: fetched.checkpoints };
}

export interface LogEntry {
  at: string | null;
  message: string;
}

/** A log.txt line is "<ISO time> <message>". */
export function parseLogLine(line: string): LogEntry {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s.exec(line);
  return m ? { at: m[1], message: m[2] } : { at: null, message: line };
}

/**
 * The log's history (runs.log) followed by the live lines that arrived while it was being read; a live line that the
 * history already holds (written just before the file was read) is dropped, once per copy.
 */
export function withLogHistory(history: LogEntry[], liveMeanwhile: LogEntry[]): LogEntry[] {
  const counts = new Map<string, number>();
  for (const h of history.slice(-(liveMeanwhile.length * 2 + 10))) counts.set(h.message, (counts.get(h.message) ?? 0) + 1);
  const extra = liveMeanwhile.filter((l) => {
    const c = counts.get(l.message) ?? 0;
    if (c > 0) counts.set(l.message, c - 1);
    return c === 0;
  });
  return [...history, ...extra];
}

/**
 * The step to show. A job stopped inside a step (pause or cancel mid-step) reports step 0 and resumes from its newest
 * checkpoint, as does a resumed run until its job has started: that checkpoint's step is where the run stands.
 */
export function displayStep(run: Run, checkpoints: { step: number }[]): number {
  if (run.step > 0 || run.status === 'completed') return run.step;
  return checkpoints.reduce((max, c) => Math.max(max, c.step), 0);
}

/** Axis ticks for a byte scale from 0: four round steps (1, 2, 2.5 or 5 × 10^k) of KiB, MiB or GiB covering `max`. */
export function byteTicks(max: number): { ticks: number[]; unit: number; label: string } {
  const [unit, label] = max >= 2 ** 30 ? [2 ** 30, 'GiB'] : max >= 2 ** 20 ? [2 ** 20, 'MiB'] : [2 ** 10, 'KiB'];
  const raw = Math.max(max / unit, 1e-9) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= raw * (1 - 1e-9)) ?? 10) * pow;
  return { ticks: [0, 1, 2, 3, 4].map((i) => i * step * unit), unit, label };
}
