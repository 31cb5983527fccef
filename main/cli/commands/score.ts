// `lathe score`: teacher-forced per-token log-probs of a token sequence, logprobs[i] = log p(ids[i+1] | ids[0..i]).
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { parseDevice } from '../../api/device';
import { openEngine, type Quant } from '../../engine/engine';
import { loadTokenizer } from '../../models/tokenizer';

export function parseQuant(v: string): Quant {
  if (v === 'none' || v === 'nf4' || v === 'int8') return v;
  throw new LatheError('invalid_option', `--quant must be none, nf4 or int8 (got "${v}")`, 'Use --quant none (f32/bf16 as stored), nf4 or int8.');
}

export function parseIds(v: string): number[] {
  const ids = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const bad = ids.findIndex((x) => !Number.isSafeInteger(x) || x < 0);
  if (ids.length === 0 || bad >= 0) {
    throw new LatheError('invalid_option', `--ids must be a comma-separated list of token ids${bad >= 0 ? ` (item ${bad + 1} is not a non-negative integer)` : ''}`, 'Example: --ids 1,2,3');
  }
  return ids;
}

/** Ctrl-C cancels the native call instead of killing the process mid-write. */
export function sigintSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}

export function register(program: Command): void {
  program
    .command('score')
    .description('print teacher-forced per-token log-probs: logprobs[i] = log p(ids[i+1] | ids[0..i])')
    .requiredOption('--model <dir>', 'Hugging Face model folder')
    .option('--adapter <dir>', 'PEFT LoRA adapter folder to apply')
    .option('--quant <q>', 'quantize frozen weights at load: none | nf4 | int8', 'none')
    .option('--ids <list>', 'comma-separated token ids')
    .option('--text <text>', 'text to tokenize with the model tokenizer (special tokens added as the tokenizer config says)')
    .option('--threads <n>', 'engine threads (default: all hardware threads)', '0')
    .option('--device <d>', 'backend: auto | cpu | vulkan | vulkan:N', 'auto')
    .option('--json', 'print {"ids":[...],"logprobs":[...]}')
    .action(async (opts: { model: string; adapter?: string; quant: string; ids?: string; text?: string; threads: string; device: string; json?: boolean }) => {
      if ((opts.ids === undefined) === (opts.text === undefined)) {
        throw new LatheError('invalid_option', 'pass exactly one of --ids or --text', 'Example: lathe score --model DIR --text "Hello" --json');
      }
      const quant = parseQuant(opts.quant);
      const device = parseDevice(opts.device);
      const ids = opts.ids !== undefined ? parseIds(opts.ids) : (await loadTokenizer(opts.model)).encode(opts.text ?? '');
      if (ids.length < 2) throw new LatheError('invalid_option', `scoring needs at least 2 tokens (got ${ids.length})`, 'Pass a longer --text or more --ids.');
      const engine = openEngine({ threads: Number(opts.threads) || 0 });
      const model = await engine.loadModel(opts.model, { quant, device, maxSeqLen: Math.max(ids.length, 2) });
      const sig = sigintSignal();
      try {
        if (opts.adapter) await model.loadAdapter(opts.adapter);
        const lp = await model.logprobs(ids, { adapter: !!opts.adapter, signal: sig.signal });
        const logprobs = Array.from(lp);
        if (opts.json) process.stdout.write(JSON.stringify({ ids, logprobs }) + '\n');
        else {
          for (let i = 0; i < logprobs.length; i++) process.stdout.write(`${ids[i + 1]}\t${logprobs[i].toFixed(6)}\n`);
          const sum = logprobs.reduce((a, b) => a + b, 0);
          process.stdout.write(`total ${sum.toFixed(4)}  mean ${(sum / logprobs.length).toFixed(4)}  ppl ${Math.exp(-sum / logprobs.length).toFixed(3)}\n`);
        }
      } finally {
        sig.dispose();
        await model.close();
      }
    });
}
