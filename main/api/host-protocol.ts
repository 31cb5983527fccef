// Typed messages between main (the supervisor) and the engine host process, both ways: each operation's arguments,
// result and events. It lives in the shared layer because both processes build against it.
import type { VulkanDeviceInfo } from './contract';
import type { ApiErrorShape } from './errors';
import type { FitCheck, StepMetrics } from './run-types';
import type { TrainedStatus } from './run-folder';
import type { ExportJobArgs, ExportResult } from './export-types';
import type { CatalogPlanArgs, CatalogPlans } from './model-types';
import type { ChatAnswer, ChatArgs, EvalArgs, EvalResult } from './eval-types';
import type { ApproachesArgs, ApproachesResult, FillMaskArgs, FillMaskResult, NextTokenArgs, NextTokenResult, OneStepArgs, OneStepResult } from './learn-types';

/** What an op reports while it runs, besides its result. */
type NoEvents = Record<never, never>;
/** A long job's progress: the phase it is in and how far through it. */
export interface PhaseProgress {
  phase: string;
  done: number;
  total: number;
}

/** Operations the host can run: their arguments, their result, and the events (name → payload) they emit meanwhile. */
export interface HostOps {
  /** Loads the addon and reports CPU features, GPUs and backends. */
  'system.probe': { args: Record<string, never>; result: HostSystemProbe; events: NoEvents };
  /** Runs (or resumes) the training job of a run folder; emits 'metrics' and 'log' events. */
  'train.run': {
    args: { runDir: string };
    result: { status: TrainedStatus; step: number };
    events: { started: { totalSteps: number; step: number }; metrics: StepMetrics; log: string; checkpoint: { step: number; evalLoss: number | null } };
  };
  /** Memory plan vs free memory for a config, with a calibrated time estimate. */
  'train.fitCheck': { args: { config: unknown; calibrate: boolean }; result: FitCheck; events: { log: string } };
  /** Writes one export (emits 'progress' {phase, done, total}); cancellation leaves nothing behind. */
  'export.run': { args: ExportJobArgs; result: ExportResult; events: { progress: PhaseProgress } };
  /** The engine's QLoRA plan for each catalog model from its config.json (the catalog's fit column). */
  'models.planCatalog': { args: CatalogPlanArgs; result: CatalogPlans; events: NoEvents };
  /** Loss/perplexity or task pass-rates, base vs adapter on one loaded model; emits 'progress' events. */
  'eval.run': { args: EvalArgs; result: EvalResult; events: { progress: PhaseProgress & { message?: string }; log: string } };
  /** One prompt answered by each side (base or adapter folders), streamed as 'token' events {index, delta}. */
  'eval.chat': { args: ChatArgs; result: { answers: ChatAnswer[] }; events: { token: { index: number; delta: string } } };
  /** Learn page: the top-k next tokens at every position of a text (base model). */
  'learn.nextToken': { args: NextTokenArgs; result: NextTokenResult; events: NoEvents };
  /** Learn page: one real backward + AdamW step on a throwaway LoRA, with the text's loss before and after. */
  'learn.oneStep': { args: OneStepArgs; result: OneStepResult; events: NoEvents };
  /** Learn page: candidate words for a gap ranked by the whole completed sentence's log-prob. */
  'learn.fillMask': { args: FillMaskArgs; result: FillMaskResult; events: NoEvents };
  /** Learn page: trainable counts and the engine's memory plan for full fine-tuning, LoRA and QLoRA. */
  'learn.approaches': { args: ApproachesArgs; result: ApproachesResult; events: NoEvents };
  /** Test hook: resolves after `ms`, emitting a progress event every `everyMs` (used to test cancellation and crashes). */
  'debug.sleep': { args: { ms: number; everyMs?: number }; result: { slept: number }; events: { progress: { elapsed: number } } };
}
export type HostOpName = keyof HostOps;
/** One event of op K, as a discriminated union: `if (e.name === 'metrics')` narrows e.payload. */
export type HostEvent<K extends HostOpName> = { [E in keyof HostOps[K]['events']]: { name: E; payload: HostOps[K]['events'][E] } }[keyof HostOps[K]['events']];

export interface HostSystemProbe {
  engineVersion: string;
  cpu: { brand: string; avx2: boolean; avx512f: boolean; amx: boolean; fma: boolean; f16c: boolean; hardwareThreads: number };
  compiled: string[];
  available: string[];
  gpus: { index: number; name: string; memoryBytes: number; computeCapability: string }[];
  notes: Record<string, string>;
  vulkanDevices?: VulkanDeviceInfo[];
}

export type MainToHost =
  | { type: 'request'; id: number; op: HostOpName; args: unknown }
  /** reason reaches the op's AbortSignal: 'pause' and 'cancel' stop a training run differently. */
  | { type: 'cancel'; id: number; reason?: string }
  | { type: 'shutdown' };

export type HostToMain =
  | { type: 'ready'; pid: number }
  | { type: 'heartbeat'; at: number; busy: string | null }
  | { type: 'event'; id: number; name: string; payload: unknown }
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; error: ApiErrorShape };

/** How often the host says it is alive, and how long main waits before calling it hung. */
export const HEARTBEAT_MS = 1000;
export const HEARTBEAT_TIMEOUT_MS = 15_000;
