// GRPO prompt sets: rows of {prompt | messages, answer} validated like any dataset (every bad row listed in
// data-report.json), each prompt rendered with the model's chat template and the generation prompt, then tokenized.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../../api/errors';
import { splitFlags } from '../../data/split';
import { emptyReport, validateDataset } from '../../data/validate';
import type { LatheTokenizer } from '../../models/tokenizer';
import type { TrainingConfig } from '../../api/training-config';
import type { TokenizedExample } from './batches';
import { rowsFileOf } from './dataset-source';

async function prompts(given: string, tokenizer: LatheTokenizer, runDir: string, log: (m: string) => void, c: Pick<TrainingConfig, 'templateVars' | 'columnMap'>, reportName = 'data-report.json'): Promise<TokenizedExample[]> {
  // An imported dataset is read from the raw file it kept: the answers live in the rows, not in the tokenized cache.
  const path = rowsFileOf(given, 'grpo');
  const report = emptyReport(path, 'jsonl');
  const out: TokenizedExample[] = [];
  for await (const ex of validateDataset(path, { map: c.columnMap }, report)) {
    const text = tokenizer.renderChat(ex.messages, { addGenerationPrompt: true, extra: c.templateVars });
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    out.push({ ids, weights: new Array<number>(ids.length).fill(0), ...(ex.answer !== undefined ? { answer: ex.answer } : {}) });
  }
  if (report.format !== 'prompts') {
    throw new LatheError('data.objectiveMismatch', `objective grpo needs prompt rows with an answer (prompt or messages, and answer), but ${path} is ${report.format} data.`, 'Give a file of {"prompt": ..., "answer": ...} rows, or train this data with objective: sft.');
  }
  if (runDir) await writeFile(join(runDir, reportName), JSON.stringify(report, null, 2));
  log(`${path}: ${report.valid} prompts of ${report.total} rows; ${report.invalidCount} left out (listed in ${reportName})`);
  return out;
}

export async function loadGrpoPrompts(c: TrainingConfig, tokenizer: LatheTokenizer, runDir: string, log: (m: string) => void, reportName?: string): Promise<{ train: TokenizedExample[]; validation: TokenizedExample[] }> {
  const all = await prompts(c.dataset, tokenizer, runDir, log, c, reportName);
  if (c.validationDataset) return { train: all, validation: await prompts(c.validationDataset, tokenizer, '', log, c) };
  const flags = splitFlags(all.length, { valFraction: c.validationFraction, seed: c.seed });
  return { train: all.filter((_, i) => !flags[i]), validation: all.filter((_, i) => flags[i]) };
}
