// Token sequences to score for a loss eval: a run's validation split (exactly as the trainer held it out), any
// dataset (supervised tokens only), a raw text file or the bundled forgetting probe (every token, in windows).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { runPipeline } from '../../data/pipeline';
import { DATASET_FILES } from '../../data/store';
import type { LatheTokenizer } from '../../models/tokenizer';
import type { TrainingConfig } from '../../api/training-config';
import { parseTrainingConfigYaml } from '../../runs/config-yaml';
import { runFiles } from '../../runs/run-dir';
import type { ScoredSeq } from '../../eval/loss';
import type { EvalSource } from '../../api/eval-types';
import { loadTrainingData } from '../trainer/training-data';
import { forgettingProbePath, textWindows } from './text-windows';

export { forgettingProbePath, textWindows };

export interface LoadedSequences {
  seqs: ScoredSeq[];
  dataHash: string;
  truncated: number;
}


const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function fileHash(path: string): string {
  if (statSync(path).isDirectory()) {
    const norm = join(path, DATASET_FILES.normalized);
    if (!existsSync(norm)) throw new LatheError('eval.notFound', `${path} is a folder but not an imported dataset (no ${DATASET_FILES.normalized}).`, 'Give a dataset file or an imported dataset folder.');
    return sha256(readFileSync(norm));
  }
  return sha256(readFileSync(path));
}

function mustExist(path: string, what: string): void {
  if (!existsSync(path)) throw new LatheError('eval.notFound', `The ${what} ${path} does not exist.`, `Check the path of the ${what}.`);
}

/**
 * A run's validation split, tokenized, for the last few runs: the checkpoint picker scores the same split once per
 * checkpoint. The key holds the config and dataset file stamps, so an edited file is tokenized again.
 */
const splits = new Map<string, Promise<LoadedSequences>>();

function stamp(path: string): string {
  const st = statSync(statSync(path).isDirectory() && existsSync(join(path, DATASET_FILES.normalized)) ? join(path, DATASET_FILES.normalized) : path);
  return `${st.size}:${st.mtimeMs}`;
}

export async function loadSequences(source: EvalSource, tok: LatheTokenizer, seqLen: number, log: (m: string) => void): Promise<LoadedSequences> {
  if (source.kind !== 'validation') return loadOther(source, tok, seqLen, log);
  const files = runFiles(source.runDir);
  mustExist(files.config, 'run config');
  const config = parseTrainingConfigYaml(readFileSync(files.config, 'utf8'), files.config);
  mustExist(config.dataset, 'dataset');
  const key = [source.runDir, stamp(files.config), stamp(config.dataset), config.validationDataset ? stamp(config.validationDataset) : '', tok.hash].join('|');
  let split = splits.get(key);
  if (!split) {
    split = loadValidation(source.runDir, config, log);
    splits.set(key, split);
    split.catch(() => splits.delete(key));
    while (splits.size > 4) splits.delete(splits.keys().next().value!);
  }
  return split;
}

async function loadValidation(runDir: string, config: TrainingConfig, log: (m: string) => void): Promise<LoadedSequences> {
  // The trainer's own loader: same template, mask, length policy and seeded split, so the rows are the run's.
  const data = await loadTrainingData(config, '', log);
  if (!data.validation.length) throw new LatheError('eval.noValidation', `Run ${runDir} has no validation split (validationFraction is 0).`, 'Evaluate on a dataset file instead (--data FILE).');
  const split = `${config.validationDataset ?? ''}|${config.validationFraction}|${config.seed}|${config.lossMask}`;
  const dataHash = sha256(fileHash(config.validationDataset ?? config.dataset) + split);
  return { seqs: data.validation.map((e) => ({ ids: e.ids, mask: e.weights })), dataHash, truncated: 0 };
}

async function loadOther(source: EvalSource, tok: LatheTokenizer, seqLen: number, log: (m: string) => void): Promise<LoadedSequences> {
  if (source.kind === 'text' || source.kind === 'forgetting') {
    const path = source.kind === 'text' ? source.path : forgettingProbePath();
    mustExist(path, 'text file');
    const text = readFileSync(path, 'utf8');
    return { seqs: textWindows(text, tok, seqLen), dataHash: sha256(text), truncated: 0 };
  }
  if (source.kind === 'data') {
    mustExist(source.path, 'dataset');
    const file = statSync(source.path).isDirectory() ? join(source.path, DATASET_FILES.normalized) : source.path;
    const seqs: ScoredSeq[] = [];
    const report = await runPipeline(file, {
      tokenize: { tokenizer: tok, mask: 'assistant', maxLen: seqLen, policy: 'truncate' },
      // Preference rows score their chosen answer, as SFT trains on it.
      onTokenized: (t) => {
        if (t.seqs[0]) seqs.push({ ids: t.seqs[0].ids, mask: t.seqs[0].mask, line: t.line });
      },
    });
    if (report.invalidCount) log(`${source.path}: ${report.invalidCount} rows left out as invalid (lathe data inspect lists them)`);
    if (!seqs.length) throw new LatheError('eval.empty', `No valid example in ${source.path}.`, 'Check it with `lathe data inspect`.');
    return { seqs, dataHash: fileHash(source.path), truncated: report.tokens?.truncated ?? 0 };
  }
  throw new LatheError('eval.badSource', `A ${source.kind} source is not a loss evaluation.`, 'Use a task eval for eval sets.');
}
