// The typed API contract: every request, response and event of the app, with runtime validators for every argument.
// Electron IPC, the web-mode WebSocket and the preload bridge are all generated from this one table.
import { z } from 'zod';
import { libraryMethods } from './contract-library';
import type { FitCheck, RunMetric, RunRecord, StepMetrics } from './run-types';
export type { RunMetric };
import type { ModelSummary } from './model-types';
import { TrainingConfigSchema, type ConfigFieldKind, type TrainingConfigInput } from './training-config';
export type { TrainingConfigInput };
import { ImportArgs, InspectArgs, PreviewArgs, RawLinesArgs } from './dataset-schemas';
import type { DatasetReportView, DatasetSummary, PreviewExample, SplitSummary } from './dataset-types';
import { exportsMethods, type ExportsEvents, type ExportView } from './contract-exports';
export type { ExportView };
import { modelMethods, type ModelProgress } from './contract-models';
import { evalsMethods } from './contract-evals';
import { learnMethods } from './contract-learn';
export type { DatasetReportView, DatasetSummary, PreviewExample, SplitSummary };

export type Run = RunRecord;
/** extra: objective-specific figures of the step (e.g. rewards/accuracy), from the run's metrics.jsonl. */
export type { FitCheck, ModelSummary, StepMetrics };
export interface RunDetail {
  run: Run;
  metrics: RunMetric[];
  checkpoints: { step: number; dir: string; evalLoss: number | null }[];
}
export type ConfigHelp = Record<string, { help: string; default: unknown } & ConfigFieldKind>;

// ---------- shared schemas ----------

import { Id, LocalPath, Name } from './schemas';
export { Id, LocalPath, Name };

const NoArgs = z.object({}).strict().optional();

// ---------- response types ----------

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' | 'web' | 'cli' */
  shell: string;
  libraryDir: string;
  platform: string;
  node: string;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface GpuInfo {
  index: number;
  name: string;
  memoryBytes: number;
  computeCapability?: string;
}

/** A Vulkan device as the engine's probe sees it (`lathe info`); CPU devices such as lavapipe are listed, not used. */
export interface VulkanDeviceInfo {
  index: number;
  name: string;
  type: 'discrete' | 'integrated' | 'virtual' | 'cpu' | 'other';
  /** Size of the largest device-local memory heap. */
  vramBytes: number;
  /** What this process may use of that heap now (VK_EXT_memory_budget); absent without the extension. */
  budgetBytes?: number;
  apiVersion: string;
  driverName: string;
  driverInfo: string;
  driverVersion: number;
  subgroupSize: number;
  sharedMemoryBytes: number;
  cooperativeMatrix: { nv: boolean; khr: boolean };
  fp16: boolean;
  /** False for CPU devices (unless LATHE_VULKAN_ALLOW_CPU=1) and devices below Vulkan 1.2; `reason` says why. */
  usable: boolean;
  reason?: string;
}

export interface SystemInfo {
  cpu: { model: string; cores: number; features: { avx2: boolean; avx512f: boolean; amx: boolean; fma: boolean; f16c: boolean } };
  memory: { totalBytes: number; freeBytes: number };
  gpus: GpuInfo[];
  /** Every Vulkan device, usable or not (empty when the engine was built without Vulkan or no driver is installed). */
  vulkanDevices: VulkanDeviceInfo[];
  engine: {
    version: string;
    /** Backends the engine can run on this machine, e.g. ['cpu'], ['cpu', 'cuda'] or ['cpu', 'vulkan']. */
    backends: string[];
    /** Backends compiled into this build (cuda may be compiled but have no GPU to run on). */
    compiled: string[];
    /** Why a compiled backend is not available, keyed by backend. */
    notes: Record<string, string>;
  };
}

export interface HostCrash {
  /** What the host was doing when it died. */
  job: string;
  exitCode: number | null;
  signal: string | null;
  message: string;
  at: string;
}

// ---------- the method table ----------

/** method<Output>()(inputSchema, description): the input type is inferred from the schema. */
export function method<O>() {
  return <I extends z.ZodType>(input: I, description: string) => ({ input, description, output: undefined as unknown as O });
}

export const methods = {
  ...libraryMethods,
  ...evalsMethods,
  ...learnMethods,
  'app.info': method<AppInfo>()(NoArgs, 'Name, version and where the library lives.'),
  'system.info': method<SystemInfo>()(NoArgs, 'CPU, memory, GPUs and engine backends, probed in the engine host.'),
  'projects.list': method<Project[]>()(NoArgs, 'All projects, most recently updated first.'),
  'projects.create': method<Project>()(z.object({ name: Name, description: z.string().max(2000).optional() }).strict(), 'Create a project.'),
  'projects.rename': method<Project>()(z.object({ id: Id, name: Name }).strict(), 'Rename a project.'),
  'projects.delete': method<{ deleted: true }>()(z.object({ id: Id }).strict(), 'Delete a project and its files.'),
  'models.inspect': method<ModelSummary>()(z.object({ path: LocalPath }).strict(), 'Read a Hugging Face model folder: architecture, sizes, tokenizer, chat template.'),
  'training.configHelp': method<ConfigHelp>()(NoArgs, 'Every training setting with its default and the reason for it.'),
  'training.start': method<Run>()(
    z.object({ config: TrainingConfigSchema, name: Name.optional(), projectId: Id.optional() }).strict(),
    'Create a run folder and queue the training job.',
  ),
  'training.fitCheck': method<FitCheck>()(
    z.object({ config: TrainingConfigSchema, calibrate: z.boolean().optional() }).strict(),
    'Will it fit: the memory plan against free memory, the largest settings that fit, and a time estimate from a few real steps.',
  ),
  'training.pause': method<Run>()(z.object({ id: Id }).strict(), 'Checkpoint and stop a run, freeing the engine; resume continues exactly.'),
  'training.resume': method<Run>()(z.object({ id: Id }).strict(), 'Resume a paused or interrupted run from its newest valid checkpoint.'),
  'training.cancel': method<Run>()(z.object({ id: Id }).strict(), 'Stop a run and keep its last checkpoint.'),
  'runs.list': method<Run[]>()(z.object({ projectId: Id.optional() }).strict().optional(), 'Runs, newest first (optionally of one project).'),
  'runs.get': method<RunDetail>()(z.object({ id: Id }).strict(), 'A run with its metrics and checkpoints.'),
  'runs.rename': method<Run>()(z.object({ id: Id, name: Name }).strict(), 'Rename a run (the library and its folder).'),
  'runs.delete': method<{ deleted: true }>()(
    z.object({ id: Id }).strict(),
    'Delete a run that is not training: its folder (checkpoints, adapter, log) and its record; evals and exports keep theirs.',
  ),
  'runs.log': method<{ lines: string[]; truncated: boolean }>()(
    z.object({ id: Id, tail: z.number().int().min(1).max(5000).optional() }).strict(),
    "The last lines of a run's log.txt (default 500).",
  ),
  'datasets.inspect': method<DatasetReportView & { split?: SplitSummary }>()(InspectArgs, 'Validate a dataset file: format, every bad row, and token statistics with a tokenizer.'),
  'datasets.preview': method<PreviewExample[]>()(PreviewArgs, 'Rendered, tokenized examples with each token marked trained or not (the loss mask).'),
  'datasets.rawLines': method<{ line: number; text: string }[]>()(RawLinesArgs, 'The raw text of a line of a dataset file and its neighbours (to show a bad row).'),
  'datasets.import': method<{ dataset: DatasetSummary; report: DatasetReportView }>()(ImportArgs, 'Validate and store a dataset in a project (raw copy, normalised rows, report).'),
  'datasets.cancel': method<{ cancelled: boolean }>()(z.object({ jobId: z.string().uuid() }).strict(), 'Cancel a running inspect or import by its job id (nothing is stored).'),
  'datasets.list': method<DatasetSummary[]>()(z.object({ projectId: Id.optional() }).strict().optional(), 'Imported datasets, newest first (optionally of one project).'),
  'datasets.delete': method<{ deleted: true }>()(z.object({ id: Id }).strict(), 'Delete an imported dataset and its files (refused while a run trains on it).'),
  'datasets.rename': method<DatasetSummary>()(z.object({ id: Id, name: Name }).strict(), 'Rename an imported dataset.'),
  'datasets.rows': method<{ total: number; offset: number; rows: { index: number; row: unknown }[] }>()(
    z.object({ id: Id, offset: z.number().int().min(0), limit: z.number().int().min(1).max(100) }).strict(),
    "A page of an imported dataset's rows, as they were normalised at import.",
  ),
  'datasets.usage': method<{ runs: { id: string; name: string; status: string }[] }>()(z.object({ id: Id }).strict(), 'The runs that train on a dataset (asked before deleting it).'),
  'datasets.demos': method<{ file: string; name: string; kind: string; description: string; path: string }[]>()(NoArgs, "Lathe's bundled demo datasets, ready to inspect and import."),
  ...exportsMethods,
  ...modelMethods,
} as const;

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = (typeof methods)[M]['output'];

// ---------- events (main -> UI) ----------

export interface EventPayloads extends ExportsEvents {
  'engine.hostCrashed': HostCrash;
  'projects.changed': { ids: string[] };
  'training.metrics': { runId: string; metrics: RunMetric };
  'training.status': { run: Run };
  'training.log': { runId: string; message: string };
  'datasets.progress': { jobId: string; bytesRead: number; totalBytes: number; rows: number };
  'models.progress': ModelProgress;
  'evals.progress': { jobId: string; phase: string; done: number; total: number; message?: string };
  'evals.chatToken': { chatId: string; index: number; delta: string };
}
export type EventName = keyof EventPayloads;
export const eventNames: EventName[] = [
  'engine.hostCrashed',
  'projects.changed',
  'training.metrics',
  'training.status',
  'training.log',
  'datasets.progress',
  'exports.progress',
  'exports.status',
  'models.progress',
  'evals.progress',
  'evals.chatToken',
];

// ---------- the client shape (what window.lathe and the WebSocket client expose) ----------

type SplitName<S extends string> = S extends `${infer NS}.${infer M}` ? [NS, M] : never;
type Namespaces = SplitName<MethodName>[0];
type MethodsOf<NS extends string> = {
  [K in MethodName as SplitName<K>[0] extends NS ? SplitName<K>[1] : never]: undefined extends MethodInput<K>
    ? (args?: MethodInput<K>) => Promise<MethodOutput<K>>
    : (args: MethodInput<K>) => Promise<MethodOutput<K>>;
};

export type LatheApi = { [NS in Namespaces]: MethodsOf<NS> } & {
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
};

export const methodNames = Object.keys(methods) as MethodName[];
