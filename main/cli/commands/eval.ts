// `lathe eval`: loss/perplexity or task pass-rates of a base model and an adapter (same loaded model, adapter off/on).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { LatheError } from '../../api/errors';
import { resolveTarget } from '../../eval/resolve';
import type { EvalResult, EvalSource, SideResult, TaskRow } from '../../api/eval-types';
import { runEval } from '../../host/eval/run-eval';
import { release } from '../../host/eval/model-cache';
import { parseQuant, sigintSignal } from './score';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

function sourceOf(o: { data?: string; evalSet?: string; textFile?: string; run?: string; forgetting?: boolean }): EvalSource {
  const given = [o.data, o.evalSet, o.textFile, o.forgetting ? 'x' : undefined].filter((x) => x !== undefined);
  if (given.length > 1) throw new LatheError('invalid_option', 'give one of --data, --eval-set, --text-file or --forgetting', 'Each eval runs on one source.');
  if (o.data) return { kind: 'data', path: o.data };
  if (o.evalSet) return { kind: 'evalSet', path: o.evalSet };
  if (o.textFile) return { kind: 'text', path: o.textFile };
  if (o.forgetting) return { kind: 'forgetting' };
  if (o.run) return { kind: 'validation', runDir: o.run };
  throw new LatheError('invalid_option', 'nothing to evaluate on', 'Give --data FILE, --eval-set FILE, --text-file FILE or --forgetting (or --run alone for its validation split).');
}

const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

function sideLine(name: string, s: SideResult, rows: number | null): string {
  return rows !== null ? `  ${name.padEnd(8)} pass-rate ${(100 * (s.passRate ?? 0)).toFixed(1)}% (${s.passed}/${rows})` : `  ${name.padEnd(8)} loss ${f(s.loss)}  ppl ${f(s.ppl, 3)}  tokens ${s.tokens}`;
}

function printHuman(r: EvalResult): void {
  const task = r.kind === 'task';
  const lines = [`${task ? 'Task eval' : 'Loss eval'} of ${r.adapterPath ?? r.model} in ${r.seconds.toFixed(1)} s (${r.tokensPerSecond.toFixed(0)} tokens/s)`];
  const rows = task ? r.rows.length : null;
  if (r.base) lines.push(sideLine('base', r.base, rows));
  lines.push(sideLine(r.adapterPath ? 'adapter' : 'model', r.adapter, rows));
  if (task) {
    const rows = r.rows as TaskRow[];
    if (r.base) {
      const count = (d: string) => rows.filter((x) => x.diff === d).length;
      lines.push(`  rows: ${count('fixed')} fixed, ${count('broken')} broken, ${count('still-failing')} still failing, ${count('still-passing')} still passing`);
    }
    for (const x of rows.filter((x) => !x.pass).slice(0, 5)) lines.push(`  line ${x.line}: fails (${x.reason ?? 'fail'}): ${x.output.replace(/\s+/g, ' ').slice(0, 100)}`);
  } else {
    if (r.truncated) lines.push(`  ${r.truncated} examples truncated to the sequence length`);
    for (const w of (r.worst ?? []).slice(0, 5)) lines.push(`  worst: ${w.line !== undefined ? `line ${w.line}` : `example ${w.index}`}  loss ${f(w.loss)}${w.baseLoss !== undefined ? ` (base ${f(w.baseLoss)})` : ''}`);
    if (r.forgetting) lines.push(`  forgetting probe: adapter perplexity is ${Math.abs((r.forgetting.ratio - 1) * 100).toFixed(1)}% ${r.forgetting.ratio >= 1 ? 'higher' : 'lower'} than the base's${r.forgetting.warn ? ' - WARNING: aggressive domain tuning can overwrite what the model knew' : ''}`);
    lines.push('  note: perplexity measures how well the model predicts these tokens; low perplexity on new documents is not knowledge.');
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('loss and perplexity, or task pass-rates, of a model and its adapter (base vs adapter on one loaded model)')
    .option('--model <dir>', 'base model folder (default with --run: the run\'s model)')
    .option('--adapter <dir>', 'PEFT adapter folder')
    .option('--run <dir>', 'a run folder: its final adapter, or --checkpoint N')
    .option('--checkpoint <n>', 'with --run: the checkpoint at this step', positiveInt)
    .option('--data <file>', 'dataset file or imported dataset folder (supervised tokens only)')
    .option('--eval-set <file>', 'task eval set: JSONL rows {prompt | messages, expected?, check}')
    .option('--text-file <file>', 'raw text file (every token)')
    .option('--forgetting', "the forgetting probe: perplexity on Lathe's bundled general-text sample")
    .option('--quant <q>', "quantize frozen weights at load: none | nf4 | int8 (default: the run's, else none)")
    .option('--seq-len <n>', 'longest sequence scored (longer examples are truncated)', positiveInt, 1024)
    .option('--max-tokens <n>', 'task evals: most tokens per generated answer', positiveInt, 256)
    .option('--device <d>', 'auto | cpu (this build evaluates on the CPU backend)', 'auto')
    .option('--threads <n>', 'engine threads (default: all hardware threads)', positiveInt, 0)
    .option('--json', 'print {base?, adapter, rows, ...} as one JSON object')
    .action(async (opts: { model?: string; adapter?: string; run?: string; checkpoint?: number; data?: string; evalSet?: string; textFile?: string; forgetting?: boolean; quant?: string; seqLen: number; maxTokens: number; device: string; threads: number; json?: boolean }) => {
      if (opts.device !== 'auto' && opts.device !== 'cpu') throw new LatheError('invalid_option', `--device ${opts.device} is not available: this build evaluates on the CPU backend`, 'Use --device cpu (or auto).');
      const source = sourceOf(opts);
      const target = await resolveTarget({ model: opts.model, adapter: opts.adapter, run: opts.run, checkpoint: opts.checkpoint });
      const sig = sigintSignal();
      try {
        const result = await runEval(
          { model: target.model, adapter: target.adapter, quant: opts.quant ? parseQuant(opts.quant) : target.quant ?? 'none', threads: opts.threads || undefined, source, seqLen: opts.seqLen, maxNewTokens: opts.maxTokens },
          {
            signal: sig.signal,
            log: (m) => process.stderr.write(`${m}\n`),
            onProgress: (p) => {
              if (!opts.json && p.message) process.stderr.write(`${p.message}\n`);
            },
          },
        );
        if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
        else printHuman(result);
      } finally {
        sig.dispose();
        await release();
      }
    });
}

