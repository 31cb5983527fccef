// Run, metric and memory-plan shapes shared by every process: the library's run rows, the trainer's per-step metrics,
// the engine's memory plan and the fit check's verdict.

export type RunStatus = 'queued' | 'running' | 'paused' | 'interrupted' | 'completed' | 'failed' | 'cancelled';

export interface RunRecord {
  id: string;
  projectId: string | null;
  name: string;
  status: RunStatus;
  runDir: string;
  config: Record<string, unknown>;
  step: number;
  totalSteps: number;
  lastLoss: number | null;
  bestEvalLoss: number | null;
  error: { code: string; message: string; hint?: string } | null;
  hostPid: number | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface MetricRecord {
  step: number;
  loss: number | null;
  lr: number;
  gradNorm: number | null;
  tokensPerSecond: number | null;
  evalLoss: number | null;
  memoryBytes: number | null;
  /** Absent in rows written before the plan was recorded. */
  plannedBytes?: number | null;
  skipped: string | null;
  at: string;
}

export interface StepMetrics {
  step: number;
  epoch: number;
  loss: number | null;
  lr: number;
  gradNorm: number | null;
  tokens: number;
  tokensPerSecond: number;
  /** Why the step changed nothing, if it did. */
  skipped?: 'non-finite' | 'no-supervised-tokens';
  evalLoss?: number;
  evalPerplexity?: number;
  /** When the step finished (ISO time, set by the job that records it). */
  at?: string;
  /** Engine memory in use after the step, and the plan it is held against (bytes), when the engine reports them. */
  memoryBytes?: number;
  plannedBytes?: number;
  /** Objective-specific figures (preference: rewards/chosen, rewards/accuracy, ..., and eval/... at evaluations). */
  extra?: Record<string, number>;
}

/** Bytes per arena. Memory-mapped checkpoint files are not counted (they are OS page cache). */
export interface MemoryPlan {
  weights: number;
  lora: number;
  kvCache: number;
  activations: number;
  scratch: number;
  optimizer: number;
  total: number;
  /** Training with offloaded checkpoints: the layer inputs held in host RAM between forward and backward (not in total). */
  hostActivations?: number;
}

export interface FitCheck {
  /** Where the run's buffers live: system memory (cpu) or a Vulkan GPU's memory. */
  device: 'cpu' | 'vulkan';
  /** "CPU (system memory)" or the GPU's name. */
  deviceName: string;
  plan: MemoryPlan;
  plannedBytes: number;
  /** Memory free now, and the share of it a run may plan to use (the rest stays for the OS and the app). */
  freeBytes: number;
  totalBytes: number;
  budgetBytes: number;
  fits: boolean;
  /** When it does not fit: the largest settings that would (null when even the smallest does not). */
  suggestion: { microBatch: number; seqLen: number } | null;
  /** With offloaded activations (plan.hostActivations): the system memory they may use; they must fit in it too. */
  hostBudgetBytes?: number;
  message: string;
  totalSteps?: number;
  secondsPerStep?: number;
  etaSeconds?: number;
  trainExamples?: number;
}

/** A metric row as the API sends it: the stored record, plus the objective's own figures of the step (rewards, ...). */
export type RunMetric = MetricRecord & { extra?: Record<string, number> };
