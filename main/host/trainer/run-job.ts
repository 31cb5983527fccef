// Runs one training job against a run folder: resumes from the newest valid checkpoint, streams metrics to
// metrics.jsonl and to main, writes atomic checkpoints (adapter + engine state + trainer state), and the final adapter.
// The engine and the data are injected, so the same job logic is tested with a pure-TS model.
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { writeFileAtomic } from '../../fs/atomic-file';
import { cleanTempCheckpoints, latestValidCheckpoint, pruneCheckpoints, writeCheckpoint } from '../../runs/checkpoints';
import type { TrainingConfig } from '../../api/training-config';
import { parseTrainingConfigYaml } from '../../runs/config-yaml';
import { appendLog, appendMetrics, readMetrics, readRunStatus, runFiles, writeRunStatus, type RunStatusFile } from '../../runs/run-dir';
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
  status: RunStatusFile['status'];
  state: TrainerState;
  resumedFrom: number | null;
}

export async function runTrainingJob(runDir: string, deps: RunJobDeps): Promise<RunJobResult> {
  const files = runFiles(runDir);
  const config = parseTrainingConfigYaml(readFileSync(files.config, 'utf8'), files.config);
  const log = (m: string) => {
    appendLog(runDir, m);
    deps.onLog?.(m);
  };
  let status = readRunStatus(runDir);
  const setStatus = async (patch: Partial<RunStatusFile>) => {
    status = { ...status, ...patch, updatedAt: new Date().toISOString() };
    await writeRunStatus(runDir, status);
  };

  const cleaned = await cleanTempCheckpoints(files.checkpoints);
  if (cleaned) log(`removed ${cleaned} unfinished checkpoint folder(s) left by an interrupted save`);
  const { checkpoint, skipped } = await latestValidCheckpoint(files.checkpoints);
  for (const s of skipped) log(`checkpoint at step ${s.step} is damaged (${s.reason}); falling back to an earlier one`);

  const data = await deps.loadData(config, runDir, log);
  const sourceOpts = { seqLen: config.seqLen, microBatch: config.microBatch, packing: config.packing, seed: config.seed, padId: data.padId, group: data.group ?? 1 };
  const trainSource = new BatchSource(data.train, { ...sourceOpts, shuffle: true });
  const validation = data.validation.length ? new BatchSource(data.validation, { ...sourceOpts, shuffle: false }) : undefined;
  const totalSteps = totalStepsFor(config, trainSource);
  if (config.packing) {
    const l = trainSource.layout();
    const pct = (x: number) => `${Math.round((x / (l.rows * config.seqLen)) * 100)}%`;
    log(`packing: ${l.examples} examples into ${l.rows} rows of ${config.seqLen} tokens (${(l.examples / l.rows).toFixed(1)} per row); padding ${l.padding} tokens (${pct(l.padding)} of the rows), ${l.paddingUnpacked} without packing`);
  }
  if (trainSource.truncated) log(`${trainSource.truncated} example(s) longer than seqLen ${config.seqLen} were cut to fit`);

  let model: (TrainableModel & { close?(): Promise<void> | void }) | undefined;
  /** The step of the newest checkpoint on disk: where a resume will start. */
  let lastSaved = checkpoint?.step ?? 0;
  try {
    model = await deps.createModel(config);
    if (model.device) log(`engine: ${model.device()}`);
    // Before any checkpoint is loaded: a reference pass (when its cache is missing) must see the starting adapter.
    const objective = await prepareObjective({ config, model, runDir, data, train: trainSource, validation, log, signal: deps.signal });
    let state = initialTrainerState();
    if (checkpoint) {
      await model.loadState(join(checkpoint.dir, ENGINE_STATE_FILE));
      state = JSON.parse(readFileSync(join(checkpoint.dir, TRAINER_STATE_FILE), 'utf8')) as TrainerState;
      // Steps after the checkpoint are trained again; their old metric lines go so charts show one line per step.
      const kept = readMetrics(runDir).filter((m) => typeof m.step === 'number' && m.step <= state.step);
      await writeFileAtomic(files.metrics, async (w) => w.write(Buffer.from(kept.map((m) => JSON.stringify(m) + '\n').join(''))));
      log(`resuming from checkpoint at step ${state.step} of ${totalSteps}`);
    } else if (skipped.length) {
      throw new LatheError('checkpoint.noneValid', `Every checkpoint of run ${status.id} is damaged, so it cannot resume.`, 'Start the run again from the beginning.');
    } else {
      log(`starting: ${totalSteps} steps, ${data.train.length} training and ${data.validation.length} validation examples`);
    }
    await setStatus({ status: 'running', totalSteps, step: state.step, hostPid: deps.hostPid ?? process.pid, error: null });
    deps.onStart?.({ totalSteps, step: state.step });

    const m = model;
    const saveCheckpoint = async (s: TrainerState, evalLoss: number | null) => {
      lastSaved = s.step;
      await writeCheckpoint(files.checkpoints, s.step, evalLoss, async (tmp) => {
        await m.saveAdapter(tmp);
        await m.saveState(join(tmp, ENGINE_STATE_FILE));
        await writeFile(join(tmp, TRAINER_STATE_FILE), JSON.stringify(s));
      });
      const removed = await pruneCheckpoints(files.checkpoints, config.keepCheckpoints);
      log(`checkpoint saved at step ${s.step}${removed.length ? ` (removed old: ${removed.join(', ')})` : ''}`);
      deps.onCheckpoint?.({ step: s.step, evalLoss });
    };

    state = await train(
      {
        model,
        train: trainSource,
        validation,
        config,
        totalSteps,
        objective,
        signal: deps.signal,
        hooks: {
          onStep: async (m, s) => {
            const stamped = { ...m, at: new Date().toISOString() };
            appendMetrics(runDir, stamped);
            if (m.skipped) log(`step ${m.step} skipped: ${m.skipped === 'non-finite' ? 'loss or gradient was not finite' : 'no supervised tokens in the batch'}`);
            deps.onMetrics?.(stamped);
            if (s.step % 10 === 0 || s.step === totalSteps) await setStatus({ step: s.step });
          },
          checkpoint: async (s, _reason, evalLoss) => saveCheckpoint(s, evalLoss),
        },
      },
      state,
    );

    if (state.step < totalSteps) {
      const reason = deps.signal?.reason === 'cancel' ? 'cancelled' : 'paused';
      await setStatus({ status: reason, step: state.step, hostPid: null });
      log(`${reason} at step ${state.step}; the last checkpoint holds everything needed to resume`);
      return { status: reason, state, resumedFrom: checkpoint?.step ?? null };
    }
    // The final adapter is published atomically: written beside, then renamed over adapter/.
    const tmpAdapter = `${files.adapter}.tmp-${process.pid}`;
    await rm(tmpAdapter, { recursive: true, force: true });
    await model.saveAdapter(tmpAdapter);
    if (existsSync(files.adapter)) await rm(files.adapter, { recursive: true, force: true });
    await rename(tmpAdapter, files.adapter);
    await setStatus({ status: 'completed', step: state.step, hostPid: null });
    log(`completed ${state.step} steps; adapter written to ${files.adapter}` + (state.skippedNonFinite + state.skippedEmpty ? ` (${state.skippedNonFinite} non-finite and ${state.skippedEmpty} empty steps skipped)` : ''));
    return { status: 'completed', state, resumedFrom: checkpoint?.step ?? null };
  } catch (err) {
    const e = err as { code?: string; message?: string; hint?: string };
    if (deps.signal?.aborted && e.code === 'cancelled') {
      // Stopped inside a step: the optimizer never applied it, so the last checkpoint is exactly where to resume.
      const reason = deps.signal.reason === 'cancel' ? 'cancelled' : 'paused';
      await setStatus({ status: reason, step: lastSaved, hostPid: null });
      log(`${reason} during a step; resume continues from the checkpoint at step ${lastSaved}`);
      return { status: reason, state: { ...initialTrainerState(), step: lastSaved }, resumedFrom: checkpoint?.step ?? null };
    }
    await setStatus({ status: 'failed', hostPid: null, error: { code: e.code ?? 'train.failed', message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) } });
    log(`failed: ${e.message ?? String(err)}`);
    throw err;
  } finally {
    await model?.close?.();
  }
}
