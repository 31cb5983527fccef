// Runs one training job against a run folder: resumes from the newest valid checkpoint, streams metrics to
// metrics.jsonl and to main, writes atomic checkpoints (adapter + engine state + trainer state), the final adapter,
// and run.json (through RunProgress, its only writer).
// The engine and the data are injected, so the same job logic is tested with a pure-TS model.
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LatheError } from '../../api/errors';
import { writeFileAtomic } from '../../fs/atomic-file';
import { cleanTempCheckpoints, latestValidCheckpoint, pruneCheckpoints, writeCheckpoint } from '../../runs/checkpoints';
import type { TrainingConfig } from '../../api/training-config';
import { parseTrainingConfigYaml } from '../../runs/config-yaml';
import { appendLog, appendMetrics, readMetrics, readRunIdentity, runFiles, type TrainedStatus } from '../../runs/run-dir';
import { offloadNote } from './engine-options-from-config';
import { RunProgress } from './run-progress';
import { BatchSource, type TokenizedExample } from './batches';
import type { TrainableModel } from './engine-port';
import { prepareObjective } from './objectives';
import { initialTrainerState, totalStepsFor, train, type StepMetrics, type TrainerState } from './trainer';

export const TRAINER_STATE_FILE = 'trainer_state.json';
export const ENGINE_STATE_FILE = 'engine_state.bin';

export interface JobData {
  train: TokenizedExample[];
  validation: TokenizedExample[];
  padId: number;
  /** 2 when examples are preference pairs (chosen, rejected) that must stay together; 1 or absent otherwise. */
  group?: number;
  /** cpt: the forgetting probe (Lathe's general-text sample) as windows, scored at every evaluation. */
  probe?: TokenizedExample[];
}

export interface RunJobDeps {
  /** `log` writes to the run's log.txt and streams to main. */
  loadData(config: TrainingConfig, runDir: string, log: (message: string) => void): Promise<JobData>;
  createModel(config: TrainingConfig): Promise<TrainableModel & { close?(): Promise<void> | void }>;
  onMetrics?(m: StepMetrics): void;
  onLog?(message: string): void;
  /** Once the data and model are ready: how many steps the run has, and where it starts. */
  onStart?(info: { totalSteps: number; step: number }): void;
  /** After each checkpoint is published (and old ones pruned). */
  onCheckpoint?(info: { step: number; evalLoss: number | null }): void;
  /** abort(reason 'pause' | 'cancel') stops after the current step with a checkpoint. */
  signal?: AbortSignal;
  hostPid?: number;
}

export interface RunJobResult {
  status: TrainedStatus;
  state: TrainerState;
  resumedFrom: number | null;
}

type Log = (message: string) => void;
type Model = TrainableModel & { close?(): Promise<void> | void };

/** Trains (or resumes) the run in runDir to its end or until `signal` stops it, recording its progress in run.json. */
export async function runTrainingJob(runDir: string, deps: RunJobDeps): Promise<RunJobResult> {
  const files = runFiles(runDir);
  const log: Log = (m) => {
    appendLog(runDir, m);
    deps.onLog?.(m);
  };
  const progress = new RunProgress(runDir, deps.hostPid ?? process.pid);
  await progress.start();
  let model: Model | undefined;
  /** The step of the newest checkpoint on disk: where a resume will start. */
  let lastSaved = 0;
  let resumedFrom: number | null = null;
  try {
    const config = parseTrainingConfigYaml(readFileSync(files.config, 'utf8'), files.config);
    const start = await findStartCheckpoint(files.checkpoints, log);
    lastSaved = start.checkpoint?.step ?? 0;
    resumedFrom = start.checkpoint?.step ?? null;
    const data = await deps.loadData(config, runDir, log);
    const { trainSource, validation, totalSteps } = batchSources(config, data, log);
    model = await deps.createModel(config);
    if (model.device) log(`engine: ${model.device()}`);
    const offload = model.device ? offloadNote(config, model.device()) : null;
    if (offload) log(offload);
    // Before any checkpoint is loaded: a reference pass (when its cache is missing) must see the starting adapter.
    const objective = await prepareObjective({ config, model, runDir, data, train: trainSource, validation, log, signal: deps.signal });
    let state = await startingState(model, start, runDir);
    log(start.checkpoint ? `resuming from checkpoint at step ${state.step} of ${totalSteps}` : `starting: ${totalSteps} steps, ${data.train.length} training and ${data.validation.length} validation examples`);
    await progress.update({ totalSteps, step: state.step });
    deps.onStart?.({ totalSteps, step: state.step });

    const m = model;
    const saveCheckpoint = async (s: TrainerState, evalLoss: number | null) => {
      lastSaved = s.step;
      await writeTrainingCheckpoint(m, files.checkpoints, s, evalLoss, config.keepCheckpoints, log);
      deps.onCheckpoint?.({ step: s.step, evalLoss });
    };
    const onStep = async (metrics: StepMetrics, s: TrainerState) => {
      const stamped = { ...metrics, at: new Date().toISOString() };
      appendMetrics(runDir, stamped);
      if (metrics.skipped) log(`step ${metrics.step} skipped: ${metrics.skipped === 'non-finite' ? 'loss or gradient was not finite' : 'no supervised tokens in the batch'}`);
      deps.onMetrics?.(stamped);
      if (s.step % 10 === 0 || s.step === totalSteps) await progress.update({ step: s.step });
    };
    state = await train({ model, train: trainSource, validation, config, totalSteps, objective, signal: deps.signal, hooks: { onStep, checkpoint: (s, _reason, evalLoss) => saveCheckpoint(s, evalLoss) } }, state);

    if (state.step < totalSteps) {
      const reason = stopReason(deps.signal);
      await progress.update({ status: reason, step: state.step });
      log(`${reason} at step ${state.step}; the last checkpoint holds everything needed to resume`);
      return { status: reason, state, resumedFrom };
    }
    await publishAdapter(model, files.adapter);
    await progress.update({ status: 'completed', step: state.step });
    log(`completed ${state.step} steps; adapter written to ${files.adapter}` + (state.skippedNonFinite + state.skippedEmpty ? ` (${state.skippedNonFinite} non-finite and ${state.skippedEmpty} empty steps skipped)` : ''));
    return { status: 'completed', state, resumedFrom };
  } catch (err) {
    const e = err as { code?: string; message?: string; hint?: string };
    if (deps.signal?.aborted && e.code === 'cancelled') {
      // Stopped inside a step: the optimizer never applied it, so the last checkpoint is exactly where to resume.
      const reason = stopReason(deps.signal);
      await progress.update({ status: reason, step: lastSaved });
      log(`${reason} during a step; resume continues from the checkpoint at step ${lastSaved}`);
      return { status: reason, state: { ...initialTrainerState(), step: lastSaved }, resumedFrom };
    }
    await progress.update({ status: 'failed', error: { code: e.code ?? 'train.failed', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) } });
    log(`failed: ${e.message ?? String(err)}`);
    throw err;
  } finally {
    await model?.close?.();
  }
}

const stopReason = (signal: AbortSignal | undefined): 'cancelled' | 'paused' => (signal?.reason === 'cancel' ? 'cancelled' : 'paused');

/** Where the run starts: the newest valid checkpoint, after removing half-written ones and reporting damaged ones. */
async function findStartCheckpoint(dir: string, log: Log) {
  const cleaned = await cleanTempCheckpoints(dir);
  if (cleaned) log(`removed ${cleaned} unfinished checkpoint folder(s) left by an interrupted save`);
  const found = await latestValidCheckpoint(dir);
  for (const s of found.skipped) log(`checkpoint at step ${s.step} is damaged (${s.reason}); falling back to an earlier one`);
  return found;
}

/** The training and validation batches, the run's step count, and what the log should say about their layout. */
function batchSources(config: TrainingConfig, data: JobData, log: Log) {
  const sourceOpts = { seqLen: config.seqLen, microBatch: config.microBatch, packing: config.packing, seed: config.seed, padId: data.padId, group: data.group ?? 1 };
  const trainSource = new BatchSource(data.train, { ...sourceOpts, shuffle: true });
  const validation = data.validation.length ? new BatchSource(data.validation, { ...sourceOpts, shuffle: false }) : undefined;
  if (config.packing) {
    const l = trainSource.layout();
    const pct = (x: number) => `${Math.round((x / (l.rows * config.seqLen)) * 100)}%`;
    log(`packing: ${l.examples} examples into ${l.rows} rows of ${config.seqLen} tokens (${(l.examples / l.rows).toFixed(1)} per row); padding ${l.padding} tokens (${pct(l.padding)} of the rows), ${l.paddingUnpacked} without packing`);
  }
  if (trainSource.truncated) log(`${trainSource.truncated} example(s) longer than seqLen ${config.seqLen} were cut to fit`);
  return { trainSource, validation, totalSteps: totalStepsFor(config, trainSource) };
}

/** A fresh trainer state, or the checkpoint's (engine state loaded, metric lines after it dropped: they are trained again). */
async function startingState(model: Model, start: Awaited<ReturnType<typeof findStartCheckpoint>>, runDir: string): Promise<TrainerState> {
  const { checkpoint, skipped } = start;
  if (!checkpoint) {
    if (skipped.length) throw new LatheError('checkpoint.noneValid', `Every checkpoint of run ${runNameOf(runDir)} is damaged, so it cannot resume.`, 'Start the run again from the beginning.');
    return initialTrainerState();
  }
  await model.loadState(join(checkpoint.dir, ENGINE_STATE_FILE));
  const state = JSON.parse(readFileSync(join(checkpoint.dir, TRAINER_STATE_FILE), 'utf8')) as TrainerState;
  // Steps after the checkpoint are trained again; their old metric lines go so charts show one line per step.
  const kept = readMetrics(runDir).filter((m) => typeof m.step === 'number' && m.step <= state.step);
  await writeFileAtomic(runFiles(runDir).metrics, async (w) => w.write(Buffer.from(kept.map((m) => JSON.stringify(m) + '\n').join(''))));
  return state;
}

function runNameOf(runDir: string): string {
  try {
    return `"${readRunIdentity(runDir).name}"`;
  } catch {
    return basename(runDir);
  }
}

/** One atomic checkpoint (adapter, engine state, trainer state), then the old ones beyond keepCheckpoints go. */
async function writeTrainingCheckpoint(model: Model, dir: string, s: TrainerState, evalLoss: number | null, keep: number, log: Log): Promise<void> {
  await writeCheckpoint(dir, s.step, evalLoss, async (tmp) => {
    await model.saveAdapter(tmp);
    await model.saveState(join(tmp, ENGINE_STATE_FILE));
    await writeFile(join(tmp, TRAINER_STATE_FILE), JSON.stringify(s));
  });
  const removed = await pruneCheckpoints(dir, keep);
  log(`checkpoint saved at step ${s.step}${removed.length ? ` (removed old: ${removed.join(', ')})` : ''}`);
}

/** The final adapter is published atomically: written beside, then renamed over adapter/. */
async function publishAdapter(model: Model, adapterDir: string): Promise<void> {
  const tmp = `${adapterDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await model.saveAdapter(tmp);
  if (existsSync(adapterDir)) await rm(adapterDir, { recursive: true, force: true });
  await rename(tmp, adapterDir);
}
