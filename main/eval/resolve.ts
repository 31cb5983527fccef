// Which model and adapter an evaluation uses: an adapter folder as given, or a run's checkpoint (by step) or final
// adapter, with the base model read from the run's config when none is given.
import { existsSync, readFileSync } from 'node:fs';
import { LatheError } from '../api/errors';
import { listCheckpoints } from '../runs/checkpoints';
import { parseTrainingConfigYaml } from '../runs/config-yaml';
import { runFiles } from '../runs/run-dir';

export interface TargetSpec {
  model?: string;
  adapter?: string;
  run?: string;
  checkpoint?: number;
}

export async function resolveTarget(t: TargetSpec): Promise<{ model: string; adapter?: string; runDir?: string; checkpoint?: number; quant?: 'none' | 'nf4' | 'int8' }> {
  if (t.adapter && t.run) throw new LatheError('invalid_option', 'give --adapter or --run, not both', 'A run already names its adapter: use --run RUN_DIR [--checkpoint N].');
  if (t.checkpoint !== undefined && !t.run) throw new LatheError('invalid_option', '--checkpoint needs --run', 'Example: lathe eval --run RUN_DIR --checkpoint 50 ...');
  if (!t.run) {
    if (!t.model) throw new LatheError('invalid_option', '--model is required (or --run, whose config names the model)', 'Example: lathe eval --model DIR --adapter DIR --eval-set FILE');
    return { model: t.model, adapter: t.adapter };
  }
  const files = runFiles(t.run);
  if (!existsSync(files.config)) throw new LatheError('eval.noRun', `${t.run} is not a run folder (no config.yaml).`, 'Give a folder under the library runs/ (lathe runs list shows them).');
  const config = parseTrainingConfigYaml(readFileSync(files.config, 'utf8'), files.config);
  const model = t.model ?? config.model;
  // The run's quantization by default: its validation loss is then the trainer's, to the digit.
  const quant = config.quant;
  const checkpoints = await listCheckpoints(files.checkpoints);
  if (t.checkpoint !== undefined) {
    const c = checkpoints.find((x) => x.step === t.checkpoint);
    if (!c) throw new LatheError('eval.noCheckpoint', `Run ${t.run} has no checkpoint at step ${t.checkpoint}.`, `Checkpoints: ${checkpoints.map((x) => x.step).join(', ') || 'none'}.`);
    return { model, quant, adapter: c.dir, runDir: t.run, checkpoint: c.step };
  }
  if (existsSync(files.adapter)) return { model, quant, adapter: files.adapter, runDir: t.run };
  if (checkpoints[0]) return { model, quant, adapter: checkpoints[0].dir, runDir: t.run, checkpoint: checkpoints[0].step };
  throw new LatheError('eval.noAdapter', `Run ${t.run} has no adapter and no checkpoint yet.`, 'Wait for its first checkpoint, or evaluate the base alone with --model.');
}
