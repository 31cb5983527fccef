// Typed messages between main (the supervisor) and the engine host process, both ways.
import type { VulkanDeviceInfo } from '../api/contract';
import type { ApiErrorShape } from '../api/errors';
import type { FitCheck } from './trainer/fit-check';
import type { ExportJobArgs } from '../export/export-args';
import type { ExportResult } from '../export/export-job';
import type { CatalogPlanArgs, CatalogPlans } from '../models/catalog-plan';
import type { EvalArgs, EvalResult } from '../eval/types';
import type { ChatAnswer, ChatArgs } from './eval/chat-op';
import type { NextTokenArgs, OneStepArgs } from './learn/next-token-op';
import type { FillMaskArgs } from './learn/fill-mask-op';
import type { ApproachesArgs } from './learn/approaches-op';
import type { ApproachesResult, FillMaskResult, NextTokenResult, OneStepResult } from '../learn/types';

/** Operations the host can run, with their argument and result types. Later issues add training, eval and generation. */
export interface HostOps {
  /** Loads the addon and reports CPU features, GPUs and backends. */
  'system.probe': { args: Record<string, never>; result: HostSystemProbe };
  /** Runs (or resumes) the training job of a run folder; emits 'metrics' and 'log' events. */
  'train.run': { args: { runDir: string }; result: { status: string; step: number } };
  /** Memory plan vs free memory for a config, with a calibrated time estimate. */
  'train.fitCheck': { args: { config: unknown; calibrate: boolean }; result: FitCheck };
  /** Writes one export (emits 'progress' {phase, done, total}); cancellation leaves nothing behind. */
  'export.run': { args: ExportJobArgs; result: ExportResult };
  /** The engine's QLoRA plan for each catalog model from its config.json (the catalog's fit column). */
  'models.planCatalog': { args: CatalogPlanArgs; result: CatalogPlans };
  /** Loss/perplexity or task pass-rates, base vs adapter on one loaded model; emits 'progress' events. */
  'eval.run': { args: EvalArgs; result: EvalResult };
  /** One prompt answered by each side (base or adapter folders), streamed as 'token' events {index, delta}. */
  'eval.chat': { args: ChatArgs; result: { answers: ChatAnswer[] } };
  /** Learn page: the top-k next tokens at every position of a text (base model). */
  'learn.nextToken': { args: NextTokenArgs; result: NextTokenResult };
  /** Learn page: one real backward + AdamW step on a throwaway LoRA, with the text's loss before and after. */
  'learn.oneStep': { args: OneStepArgs; result: OneStepResult };
  /** Learn page: candidate words for a gap ranked by the whole completed sentence's log-prob. */
  'learn.fillMask': { args: FillMaskArgs; result: FillMaskResult };
  /** Learn page: trainable counts and the engine's memory plan for full fine-tuning, LoRA and QLoRA. */
  'learn.approaches': { args: ApproachesArgs; result: ApproachesResult };
  /** Test hook: resolves after `ms`, emitting a progress event every `everyMs` (used to test cancellation and crashes). */
  'debug.sleep': { args: { ms: number; everyMs?: number }; result: { slept: number } };
}
export type HostOpName = keyof HostOps;

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
