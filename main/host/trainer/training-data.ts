// Prepares a run's data in the engine host: a raw dataset file goes through the same validation, chat-template
// rendering, loss masks and length policy as the Data step; a library dataset folder uses its tokenized cache.
// The split is seeded; what was left out is counted in the run log and in data-report.json, never dropped silently.
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { DATASET_FILES } from '../../data/store';
import { loadTokenized, prepareTokenized, sequencesOf } from '../../data/cache';
import { defaultTemplate, runPipeline } from '../../data/pipeline';
import type { PolicyCounts } from '../../data/lengths';
import { splitFlags } from '../../data/split';
import type { TokenSeq } from '../../data/tokenize';
import { slidingWindows } from '../../data/windows';
import { loadTokenizer, type LatheTokenizer } from '../../models/tokenizer';
import { PREFERENCE_OBJECTIVES, type TrainingConfig } from '../../api/training-config';
import type { TokenizedExample } from './batches';
import { forgettingProbePath, textWindows } from '../eval/text-windows';
import { isLibraryDataset, rowsFileOf } from './dataset-source';
import { loadGrpoPrompts } from './grpo-data';
import { loadMixture } from './mixture-data';
import type { JobData } from './run-job';

/** The run-folder file that lists every row a dataset left out (a mixture's other datasets get their own). */
export const DATA_REPORT = 'data-report.json';

const toExample = (s: TokenSeq): TokenizedExample => ({ ids: s.ids, weights: s.mask });

/**
 * The longest sequence a row of the Data step's length (seqLen) may have. cpt windows use the T+1 tokens an unpacked
 * row reads (each window's last token is only a target); chat rows are fitted to seqLen, the length the Data step
 * previews and reports, so the tokens it shows are the tokens trained.
 */
const maxLenFor = (c: TrainingConfig) => (c.packing || c.objective !== 'cpt' ? c.seqLen : c.seqLen + 1);

/** The run's chat template: the one it names, else the model's own (chatml for a model without one), as in the Data step. */
const templateOf = (c: TrainingConfig, tokenizer: LatheTokenizer) => c.chatTemplate ?? defaultTemplate(tokenizer);

/** cpt reads whole documents (no truncation) and cuts them into windows afterwards. */
const WHOLE = 2 ** 31 - 1;
const isCpt = (c: TrainingConfig) => c.objective === 'cpt';

/** Windows of the longest usable length, `cptStride` apart (default: touching, so each token is trained once). */
function toWindows(docs: { ids: ArrayLike<number> }[], c: TrainingConfig): TokenSeq[] {
  const len = maxLenFor(c);
  const stride = Math.min(c.cptStride ?? c.seqLen, len - 1);
  return docs.flatMap((d) => slidingWindows(d.ids, len, stride));
}

function notText(c: TrainingConfig, path: string, format: string): LatheError {
  return new LatheError('data.objectiveMismatch', `objective cpt trains on raw text, but ${path} is ${format} data.`, 'Give a text file or a folder of .txt/.md files (or a JSONL with a "text" field); for conversations use objective: sft.');
}

/** Preference objectives train on whole pairs: chosen then rejected, side by side, never split. */
const pairsWanted = (c: TrainingConfig) => PREFERENCE_OBJECTIVES.includes(c.objective);

function wrongData(c: TrainingConfig, path: string, format: string): LatheError {
  return new LatheError(
    'data.objectiveMismatch',
    `objective ${c.objective} needs preference pairs (prompt/chosen/rejected, or chosen/rejected message lists), but ${path} is ${format} data.`,
    'Pick a preference dataset, or train this data with objective: sft.',
  );
}

/** Groups of `size` consecutive sequences (pairs stay whole) split into train/validation by a seeded draw per group. */
function splitGroups(seqs: TokenizedExample[], size: number, c: TrainingConfig): { train: TokenizedExample[]; validation: TokenizedExample[] } {
  const flags = splitFlags(seqs.length / size, { valFraction: c.validationFraction, seed: c.seed });
  return {
    train: seqs.filter((_, i) => !flags[Math.floor(i / size)]),
    validation: seqs.filter((_, i) => flags[Math.floor(i / size)]),
  };
}

async function fromRawFile(path: string, c: TrainingConfig, tokenizer: LatheTokenizer, log: (m: string) => void, reportName = DATA_REPORT) {
  const seqs: TokenizedExample[] = [];
  const pairs = pairsWanted(c);
  // KTO labels come with the normalised example, which the pipeline hands over just before its tokens.
  let label: boolean | undefined;
  const report = await runPipeline(path, {
    map: c.columnMap,
    onExample: (ex) => {
      label = ex.label;
    },
    tokenize: { tokenizer, template: templateOf(c, tokenizer), extra: c.templateVars, mask: c.lossMask, maxLen: isCpt(c) ? null : maxLenFor(c), policy: c.lengthPolicy, trainReasoning: c.trainReasoning, trainOnEos: c.trainOnEos },
    // SFT trains on one sequence per example: the chosen answer of a preference pair. Preference objectives take both.
    onTokenized: (t) => {
      if (pairs && t.seqs.length === 2) seqs.push(toExample(t.seqs[0]), toExample(t.seqs[1]));
      else if (!pairs && t.seqs[0]) seqs.push(label === undefined ? toExample(t.seqs[0]) : { ...toExample(t.seqs[0]), label });
    },
  });
  if (pairs && report.format !== 'preference') throw wrongData(c, path, report.format);
  if (c.objective === 'kto' && report.format !== 'kto') {
    throw new LatheError('data.objectiveMismatch', `objective kto needs rows of prompt, completion and label (true/false), but ${path} is ${report.format} data.`, 'Pick a KTO dataset, or use objective dpo for preference pairs.');
  }
  if (isCpt(c) && report.format !== 'text') throw notText(c, path, report.format);
  const t = report.tokens;
  log(`${path}: ${report.valid} valid rows of ${report.total}; ${report.invalidCount} left out (listed in ${reportName}), ${report.duplicates} duplicates` + (t ? `; template ${t.template}, mask ${t.mask}; ${lengthLine(t, maxLenFor(c))}` : ''));
  if (t) logTooLong(t.tooLong, log);
  return { seqs, report };
}

/** What the length policy did, in one clause of the run log. */
function lengthLine(c: PolicyCounts & { policy: string }, maxLen: number): string {
  const did = c.policy === 'split' ? `${c.split} split into ${c.splitPieces} pieces` : `${c.truncated} shortened, ${c.dropped} left out`;
  return `length policy ${c.policy} at ${maxLen} tokens: ${did}`;
}

/** Rows the truncate policy had to leave out, each with its line: never dropped silently. */
function logTooLong(rows: PolicyCounts['tooLong'], log: (m: string) => void): void {
  for (const r of rows.slice(0, 20)) log(`  left out ${r.file ? `${r.file} ` : ''}line ${r.line}: ${r.reason}`);
  if (rows.length > 20) log(`  … and ${rows.length - 20} more rows too long to fit (listed in the data report)`);
}

/** "name" (folder) for an imported dataset, from the identity file the import wrote; the folder alone otherwise. */
function datasetName(folder: string): string {
  try {
    const id = JSON.parse(readFileSync(join(folder, DATASET_FILES.identity), 'utf8')) as { name?: unknown };
    return typeof id.name === 'string' && id.name ? `"${id.name}" (${folder})` : folder;
  } catch {
    return folder;
  }
}

/** The run's data: one dataset, or several mixed by weight (./mixture-data.ts). */
export async function loadTrainingData(config: TrainingConfig, runDir: string, log: (m: string) => void): Promise<JobData> {
  return config.mixture?.length ? loadMixture(config, runDir, log, loadDataset) : loadDataset(config, runDir, log);
}

/** One dataset; `reportName` is the file in the run folder that lists its left-out rows. */
async function loadDataset(config: TrainingConfig, runDir: string, log: (m: string) => void, reportName = DATA_REPORT): Promise<JobData> {
  const tokenizer = await loadTokenizer(config.model);
  const padId = tokenizer.padId ?? tokenizer.eosId ?? 0;
  const source = config.dataset;
  if (!existsSync(source)) {
    throw new LatheError('data.notFound', `The dataset ${source} does not exist.`, 'Give the path of a dataset file (JSONL, JSON, CSV, Parquet, text) or import it in the Data step first.');
  }
  if (config.objective === 'grpo') {
    const g = await loadGrpoPrompts(config, tokenizer, runDir, log, reportName);
    if (!g.train.length) throw new LatheError('data.empty', `No prompt to train on in ${source}.`, `Check the data report: every row was left out (see ${reportName} in the run folder).`);
    return { ...g, padId };
  }
  let train: TokenizedExample[];
  let validation: TokenizedExample[] = [];
  const group = pairsWanted(config) ? 2 : 1;
  // KTO's labels live in the rows, not in an imported dataset's tokenized cache: it reads the raw file the import kept.
  if (config.columnMap && isLibraryDataset(source)) {
    throw new LatheError('config.invalid', `columnMap applies to dataset files, but ${datasetName(source)} is an imported dataset, mapped when it was imported.`, 'Remove columnMap, or import the file again in the Data step with the mapping it needs.');
  }
  if (config.objective !== 'kto' && isLibraryDataset(source)) {
    // A library dataset: tokenize once into its cache (keyed by tokenizer, template and options), split there.
    const meta = JSON.parse(await readFile(join(source, DATASET_FILES.report), 'utf8')) as { valid: number; format?: string };
    // A library dataset folder is immutable once imported, so its path identifies its content for the cache key.
    const prepared = await prepareTokenized(join(source, DATASET_FILES.normalized), source, meta.valid, join(source, DATASET_FILES.cache), {
      tokenizer,
      template: templateOf(config, tokenizer),
      extra: config.templateVars,
      mask: config.lossMask,
      maxLen: isCpt(config) ? WHOLE : maxLenFor(config),
      policy: config.lengthPolicy,
      trainReasoning: config.trainReasoning,
      trainOnEos: config.trainOnEos,
      split: config.validationDataset ? undefined : { valFraction: config.validationFraction, seed: config.seed },
    });
    const cache = await loadTokenized(prepared.dir);
    if (isCpt(config) && meta.format !== undefined && meta.format !== 'text') throw notText(config, source, meta.format);
    if (group === 2) {
      // Role 0 is the chosen answer, role 1 the rejected one, in the same example order.
      const zip = (split: 0 | 1) => {
        const chosen = [...sequencesOf(cache, split, 0)];
        const rejected = [...sequencesOf(cache, split, 1)];
        if (rejected.length !== chosen.length) throw wrongData(config, source, 'non-preference');
        return chosen.flatMap((s, i) => [toExample(s), toExample(rejected[i])]);
      };
      train = zip(0);
      validation = zip(1);
    } else {
      train = [...sequencesOf(cache, 0)].map(toExample);
      validation = [...sequencesOf(cache, 1)].map(toExample);
    }
    log(`dataset ${datasetName(source)}: ${train.length} training and ${validation.length} validation sequences (${prepared.fromCache ? 'from cache' : 'tokenized now'}; ${lengthLine({ ...prepared.meta, policy: config.lengthPolicy }, maxLenFor(config))})`);
    logTooLong(prepared.meta.tooLong ?? [], log);
  } else {
    const { seqs, report } = await fromRawFile(config.objective === 'kto' ? rowsFileOf(source, 'kto') : source, config, tokenizer, log, reportName);
    // A run keeps the full report (every left-out row); a fit check (no run folder yet) only needs the counts.
    if (runDir) await writeFile(join(runDir, reportName), JSON.stringify(report, null, 2));
    if (config.validationDataset) {
      train = seqs;
    } else {
      ({ train, validation } = splitGroups(seqs, group, config));
    }
  }
  if (config.validationDataset) {
    const v = await fromRawFile(config.validationDataset, config, tokenizer, log);
    validation = v.seqs;
  }
  if (isCpt(config)) {
    // Split by document first (above), then cut: no window of a held-out document is ever trained on.
    const docs = [train.length, validation.length];
    const cut = (xs: TokenizedExample[]) => toWindows(xs, config).map(toExample);
    train = cut(train);
    validation = cut(validation);
    log(`continued pre-training: ${docs[0]} training and ${docs[1]} validation documents cut into ${train.length} and ${validation.length} windows of up to ${maxLenFor(config)} tokens`);
  }
  if (!train.length) throw new LatheError('data.empty', `No trainable example in ${source}.`, `Check the data report: every row was left out (see ${reportName} in the run folder).`);
  // The forgetting probe, for cpt: windows of the longest length an unpacked row holds.
  const probe = isCpt(config) && existsSync(forgettingProbePath())
    ? textWindows(await readFile(forgettingProbePath(), 'utf8'), tokenizer, maxLenFor({ ...config, packing: false })).map((s) => ({ ids: s.ids, weights: s.mask }))
    : undefined;
  return { train, validation, padId, group, ...(probe ? { probe } : {}) };
}
