// `lathe export`: a run's adapter (or a base model with an optional adapter) to PEFT, a merged HF folder, GGUF,
// GGUF LoRA or an Ollama folder; measures the merge-quality KL with the engine (this process is its own engine host).
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { EXPORT_FORMATS, EXPORT_QUANTS, runExport, type ExportFormat, type ExportQuant } from '../../export/export-job';
import { sourceFromModel, sourceFromRun, type ExportSource } from '../../export/export-source';
import { klRowsFromExamples, measureMergeKL } from '../../export/merge-kl';
import { quantizedBaseWeights } from '../../export/nf4-base';
import { openEngine, type EngineModel } from '../../engine/engine';
import { usageCommands } from '../../export/usage-commands';
import { loadTrainingData } from '../../host/trainer/training-data';
import { TrainingConfigSchema } from '../../api/training-config';
import { formatBytes } from '../format';
import { parseQuant, sigintSignal } from './score';

interface ExportCliOptions {
  run?: string;
  checkpoint?: string;
  model?: string;
  adapter?: string;
  format: string;
  quant?: string;
  out: string;
  force?: boolean;
  json?: boolean;
  kl: boolean;
  klData?: string;
  klQuant?: string;
  system?: string;
  separateAdapter?: boolean;
  mergeBase: string;
  threads: string;
}

function pick<T extends string>(v: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new LatheError('invalid_option', `${flag} must be one of ${allowed.join(', ')} (got "${v}")`, `Example: ${flag} ${allowed[0]}`);
}

async function resolveSource(o: ExportCliOptions): Promise<ExportSource> {
  if (!!o.run === !!o.model) throw new LatheError('invalid_option', 'pass exactly one of --run or --model', 'Examples: lathe export --run RUN_DIR ... | lathe export --model DIR --adapter DIR ...');
  if (o.run) {
    if (o.adapter) throw new LatheError('invalid_option', '--adapter goes with --model, not --run', 'A run brings its own adapter; choose a checkpoint with --checkpoint N.');
    const c = o.checkpoint ?? 'best';
    if (c !== 'best' && c !== 'final' && !/^\d+$/.test(c)) throw new LatheError('invalid_option', `--checkpoint must be a step number, best or final (got "${c}")`);
    return sourceFromRun(o.run, c === 'best' || c === 'final' ? c : Number(c));
  }
  if (o.checkpoint) throw new LatheError('invalid_option', '--checkpoint goes with --run', 'With --model, pass the adapter folder itself with --adapter.');
  return sourceFromModel(o.model!, o.adapter);
}

/** Validation rows for the KL: the run's own validation split, or --kl-data rendered like training data. */
async function klRows(src: ExportSource, o: ExportCliOptions) {
  const quiet = () => undefined;
  if (o.klData) {
    const cfg = TrainingConfigSchema.parse({ model: src.baseDir, dataset: o.klData, validationDataset: o.klData, seqLen: 512 });
    return klRowsFromExamples((await loadTrainingData(cfg, '', quiet)).validation);
  }
  if (src.run) return klRowsFromExamples((await loadTrainingData(src.run.config, '', quiet)).validation);
  return [];
}

export function register(program: Command): void {
  program
    .command('export')
    .description('export an adapter or model: peft | merged | gguf | gguf-lora | ollama | onnx (written atomically, never overwriting without --force)')
    .option('--run <dir>', 'training run folder (uses its best checkpoint by validation loss unless --checkpoint)')
    .option('--checkpoint <n>', 'checkpoint step, "best" or "final" (with --run)')
    .option('--model <dir>', 'base model folder (Hugging Face layout)')
    .option('--adapter <dir>', 'PEFT adapter folder to merge or convert (with --model)')
    .requiredOption('--format <f>', `${EXPORT_FORMATS.join(' | ')}`)
    .option('--quant <q>', `${EXPORT_QUANTS.join(' | ')} (merged: f32/f16/bf16, default f16; gguf default f16; ollama default q8_0; onnx: int4 (default) or f32)`)
    .requiredOption('--out <path>', 'output file (gguf, gguf-lora) or folder (other formats)')
    .option('--force', 'replace an existing output')
    .option('--no-kl', 'skip the merge-quality KL measurement')
    .option('--kl-data <file>', 'validation rows for the KL when exporting --model with --adapter')
    .option('--kl-quant <q>', 'base quantization the adapter was trained on, for the KL with --model (none | nf4 | int8)', 'nf4')
    .option('--system <text>', 'system prompt for the Ollama Modelfile')
    .option('--separate-adapter', 'ollama: base GGUF + adapter GGUF (ADAPTER line) instead of one merged GGUF')
    .option('--merge-base <b>', 'merge into the "stored" base weights, or the "quantized" ones the adapter was trained on (dequantized NF4/int8)', 'stored')
    .option('--threads <n>', 'engine threads for the KL (default: all hardware threads)', '0')
    .option('--json', 'print {format, files:[{path,bytes,sha256}], mergeKL?}')
    .action(async (o: ExportCliOptions) => {
      const format = pick<ExportFormat>(o.format, EXPORT_FORMATS, '--format');
      const quant = o.quant ? pick<ExportQuant>(o.quant, EXPORT_QUANTS, '--quant') : undefined;
      const src = await resolveSource(o);
      if (o.mergeBase !== 'stored' && o.mergeBase !== 'quantized') throw new LatheError('invalid_option', `--merge-base must be stored or quantized (got "${o.mergeBase}")`);
      const sig = sigintSignal();
      let quantModel: EngineModel | null = null;
      try {
        const rows = o.kl && src.adapterDir && ['merged', 'gguf', 'ollama', 'onnx'].includes(format) ? await klRows(src, o) : [];
        const trainedQuant = src.run ? src.run.config.quant : parseQuant(o.klQuant ?? 'nf4');
        if (o.mergeBase === 'quantized') quantModel = await openEngine({ threads: Number(o.threads) || 0 }).loadModel(src.baseDir, { quant: trainedQuant, maxSeqLen: 16, signal: sig.signal });
        const result = await runExport(
          {
            source: src, format, quant, out: o.out, force: !!o.force, system: o.system, separateAdapter: !!o.separateAdapter,
            onProgress: o.json ? undefined : (p) => process.stderr.write(`\r  ${p.phase} ${p.done}/${p.total}   `),
          },
          {
            baseWeights: quantModel ? quantizedBaseWeights(quantModel) : undefined,
            mergeKL: rows.length
              ? async (mergedDir) => (await measureMergeKL({ baseDir: src.baseDir, adapterDir: src.adapterDir!, quant: trainedQuant, mergedDir, rows, threads: Number(o.threads) || 0, signal: sig.signal })).kl
              : undefined,
          },
        );
        if (o.json) {
          process.stdout.write(JSON.stringify({ format: result.format, files: result.files, ...(result.mergeKL !== undefined ? { mergeKL: result.mergeKL } : {}) }) + '\n');
          return;
        }
        process.stderr.write('\n');
        const lines = [`Exported ${format}${result.quant ? ` (${result.quant})` : ''} from ${src.adapterDir ?? src.baseDir}:`];
        for (const f of result.files) lines.push(`  ${f.path}  ${formatBytes(f.bytes)}  sha256 ${f.sha256.slice(0, 16)}…`);
        if (result.mergeKL !== undefined) {
          lines.push(`Merge-quality KL (adapter on the ${trainedQuant} base vs merged model): ${result.mergeKL.toExponential(3)} per token`);
          if (trainedQuant !== 'none' && o.mergeBase === 'stored') lines.push('  Merging into the full-precision base differs from the quantized base the adapter was trained on; a larger figure means the merged model drifts from what you evaluated. --merge-base quantized merges into the dequantized training-time weights instead.');
        } else if (rows.length === 0 && src.adapterDir && ['merged', 'gguf', 'ollama', 'onnx'].includes(format) && o.kl) {
          lines.push('Merge-quality KL not measured: no validation rows (pass --kl-data FILE).');
        }
        for (const c of usageCommands(format, o.out, { baseModel: src.baseDir })) lines.push(`${c.label}:\n  ${c.command}`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        sig.dispose();
        await quantModel?.close();
      }
    });
}
