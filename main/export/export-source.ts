// Where an export reads from: a run (its final adapter, a chosen checkpoint, or the best one by validation loss),
// or a base model folder with an optional adapter folder (PEFT, whoever made it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../api/errors';
import { listCheckpoints, verifyCheckpoint } from '../runs/checkpoints';
import type { TrainingConfig } from '../api/training-config';
import { parseTrainingConfigYaml } from '../runs/config-yaml';
import { readMetrics, runFiles } from '../runs/run-dir';

export interface ExportSource {
  baseDir: string;
  adapterDir: string | null;
  run: { dir: string; config: TrainingConfig; checkpoint: number | null; evalLoss: number | null } | null;
}

/** The lowest validation loss among the run's checkpoints (null when none was evaluated). */
async function bestCheckpoint(runDir: string) {
  const all = (await listCheckpoints(runFiles(runDir).checkpoints)).filter((c) => c.evalLoss !== null);
  all.sort((a, b) => a.evalLoss! - b.evalLoss! || b.step - a.step);
  for (const c of all) if ((await verifyCheckpoint(c.dir)).ok) return c;
  return null;
}

/**
 * `checkpoint`: a step number, 'final' (the run's adapter/ folder), or 'best' (lowest validation loss, falling back
 * to the final adapter). Default 'best', as the Export step preselects it.
 */
export async function sourceFromRun(runDir: string, checkpoint: number | 'final' | 'best' = 'best'): Promise<ExportSource> {
  const files = runFiles(runDir);
  if (!existsSync(files.config)) {
    throw new LatheError('run_missing', `${runDir}: no config.yaml, so this is not a Lathe run folder`, 'Pass the folder of a training run (it holds config.yaml, adapter/ and checkpoints/).');
  }
  const config = parseTrainingConfigYaml(readFileSync(files.config, 'utf8'), files.config);
  const finalLoss = () => {
    const evals = readMetrics(runDir).filter((m) => typeof m.evalLoss === 'number');
    return evals.length ? (evals[evals.length - 1].evalLoss as number) : null;
  };
  if (typeof checkpoint === 'number') {
    const c = (await listCheckpoints(files.checkpoints)).find((x) => x.step === checkpoint);
    if (!c) throw new LatheError('checkpoint_missing', `${runDir}: there is no checkpoint at step ${checkpoint}`, 'List the checkpoints with `ls checkpoints/` in the run folder, or omit --checkpoint for the best one.');
    const v = await verifyCheckpoint(c.dir);
    if (!v.ok) throw new LatheError('checkpoint_damaged', `${c.dir}: ${v.reason}`, 'Pick another checkpoint.');
    return { baseDir: config.model, adapterDir: c.dir, run: { dir: runDir, config, checkpoint, evalLoss: c.evalLoss } };
  }
  if (checkpoint === 'best') {
    const best = await bestCheckpoint(runDir);
    if (best) return { baseDir: config.model, adapterDir: best.dir, run: { dir: runDir, config, checkpoint: best.step, evalLoss: best.evalLoss } };
  }
  if (existsSync(join(files.adapter, 'adapter_config.json'))) {
    return { baseDir: config.model, adapterDir: files.adapter, run: { dir: runDir, config, checkpoint: null, evalLoss: finalLoss() } };
  }
  throw new LatheError('adapter_missing', `${runDir}: the run has no final adapter and no evaluated checkpoint yet`, 'Wait for the run to save a checkpoint, or pass --checkpoint N.');
}

export function sourceFromModel(baseDir: string, adapterDir?: string | null): ExportSource {
  if (!existsSync(join(baseDir, 'config.json'))) {
    throw new LatheError('model_missing', `${baseDir}: no config.json, so this is not a Hugging Face model folder`, 'Pass the base model folder with --model.');
  }
  if (adapterDir && !existsSync(join(adapterDir, 'adapter_config.json'))) {
    throw new LatheError('adapter_missing', `${adapterDir}: no adapter_config.json, so this is not a PEFT adapter folder`, 'Pass a folder holding adapter_config.json and adapter_model.safetensors.');
  }
  return { baseDir, adapterDir: adapterDir ?? null, run: null };
}
