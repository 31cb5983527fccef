// Typed messages between main (the supervisor) and the engine host process, both ways.
import type { VulkanDeviceInfo } from '../api/contract';
import type { ApiErrorShape } from '../api/errors';
import type { FitCheck } from './trainer/fit-check';

/** Operations the host can run, with their argument and result types. Later issues add training, eval and generation. */
export interface HostOps {
  /** Loads the addon and reports CPU features, GPUs and backends. */
  'system.probe': { args: Record<string, never>; result: HostSystemProbe };
  /** Runs (or resumes) the training job of a run folder; emits 'metrics' and 'log' events. */
  'train.run': { args: { runDir: string }; result: { status: string; step: number } };
  /** Memory plan vs free memory for a config, with a calibrated time estimate. */
  'train.fitCheck': { args: { config: unknown; calibrate: boolean }; result: FitCheck };
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
