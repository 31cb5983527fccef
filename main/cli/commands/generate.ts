// `lathe generate`: stream a completion (optionally through the model's chat template) with a KV cache.
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { openEngine } from '../../engine/engine';
import { parseDevice } from '../../api/device';
import { loadTokenizer } from '../../models/tokenizer';
import { parseQuant, sigintSignal } from './score';

function num(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || x > max) throw new LatheError('invalid_option', `--${name} must be a number in [${min}, ${max}] (got "${v}")`, `Fix --${name}.`);
  return x;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('generate text from a prompt, streaming tokens as they are produced')
    .requiredOption('--model <dir>', 'Hugging Face model folder (with tokenizer.json)')
    .requiredOption('--prompt <text>', 'prompt text')
    .option('--adapter <dir>', 'PEFT LoRA adapter folder to apply')
    .option('--quant <q>', 'quantize frozen weights at load: none | nf4 | int8', 'none')
    .option('--chat', "wrap the prompt as a user message with the model's chat template")
    .option('--max-tokens <n>', 'maximum new tokens', '256')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', '0')
    .option('--top-k <k>', 'keep the k most likely tokens (0 = off)')
    .option('--top-p <p>', 'nucleus sampling mass (1 = off)')
    .option('--min-p <p>', 'drop tokens below min-p times the top probability (0 = off)')
    .option('--repetition-penalty <r>', 'penalise tokens already in the context (1 = off)')
    .option('--seed <s>', 'sampling seed', '0')
    .option('--threads <n>', 'engine threads (default: all hardware threads)', '0')
    .option('--device <d>', 'backend: auto | cpu | vulkan | vulkan:N', 'auto')
    .option('--json', 'print one JSON object at the end instead of streaming text')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const quant = parseQuant(String(opts.quant));
      const maxTokens = num('max-tokens', opts.maxTokens as string, 0, 1_000_000) ?? 256;
      const tok = await loadTokenizer(String(opts.model));
      let ids: number[];
      if (opts.chat) {
        if (!tok.chatTemplate) throw new LatheError('no_chat_template', `${String(opts.model)} has no chat template`, 'Drop --chat, or use an instruct model whose tokenizer_config.json has chat_template.');
        ids = tok.encode(tok.renderChat([{ role: 'user', content: String(opts.prompt) }], { addGenerationPrompt: true }), { addSpecialTokens: false });
      } else {
        ids = tok.encode(String(opts.prompt));
      }
      if (ids.length === 0) throw new LatheError('invalid_option', 'the prompt encodes to zero tokens', 'Pass a non-empty --prompt.');
      const engine = openEngine({ threads: Number(opts.threads) || 0 });
      const model = await engine.loadModel(String(opts.model), { quant, device: parseDevice(String(opts.device)), maxSeqLen: ids.length + maxTokens + 1 });
      const sig = sigintSignal();
      const out: number[] = [];
      let printed = '';
      try {
        if (opts.adapter) await model.loadAdapter(String(opts.adapter));
        const res = await model.generate(
          ids,
          {
            maxNewTokens: maxTokens,
            temperature: num('temperature', opts.temperature as string, 0, 100) ?? 0,
            topK: num('top-k', opts.topK as string, 0, 1e9),
            topP: num('top-p', opts.topP as string, 1e-9, 1),
            minP: num('min-p', opts.minP as string, 0, 1),
            repetitionPenalty: num('repetition-penalty', opts.repetitionPenalty as string, 1e-6, 100),
            seed: num('seed', opts.seed as string, 0, Number.MAX_SAFE_INTEGER) ?? 0,
            stop: tok.stopIds,
            adapter: !!opts.adapter,
            signal: sig.signal,
          },
          (t) => {
            out.push(t);
            if (opts.json) return;
            // Decode the whole continuation and print what is new: multi-byte characters span tokens.
            const text = tok.decode(out.filter((x) => !tok.stopIds.includes(x)), { skipSpecialTokens: true });
            if (text.startsWith(printed) && !text.endsWith('\uFFFD')) {
              process.stdout.write(text.slice(printed.length));
              printed = text;
            }
          },
        );
        const text = tok.decode(res.tokens.filter((x) => !tok.stopIds.includes(x)), { skipSpecialTokens: true });
        if (opts.json) process.stdout.write(JSON.stringify({ promptIds: ids, tokens: res.tokens, text, finishReason: res.finishReason }) + '\n');
        else {
          if (text.startsWith(printed)) process.stdout.write(text.slice(printed.length));
          process.stdout.write('\n');
        }
      } finally {
        sig.dispose();
        await model.close();
      }
    });
}
