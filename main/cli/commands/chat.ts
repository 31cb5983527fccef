// `lathe chat`: an interactive terminal chat with a model (and optionally its adapter) that streams tokens, using the
// model's chat template and stopping at its end-of-turn tokens. /reset starts over, /exit (or Ctrl-D) quits.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { resolveTarget } from '../../eval/resolve';
import { chatOp } from '../../host/eval/chat-op';
import { release } from '../../host/eval/model-cache';
import type { ChatMessage } from '../../models/chat-template';
import { parseQuant } from './score';

const num = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number from ${min} to ${max}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('chat')
    .description('interactive chat in the terminal, streaming tokens (adapter on when given)')
    .option('--model <dir>', "base model folder (default with --run: the run's model)")
    .option('--adapter <dir>', 'PEFT adapter folder')
    .option('--run <dir>', 'a run folder: its final adapter, or --checkpoint N')
    .option('--checkpoint <n>', 'with --run: the checkpoint at this step', num(0, Number.MAX_SAFE_INTEGER))
    .option('--quant <q>', "quantize frozen weights at load: none | nf4 | int8 (default: the run's, else none)")
    .option('--system <text>', 'system prompt')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', num(0, 5), 0.7)
    .option('--top-p <p>', 'nucleus sampling mass', num(0.01, 1), 0.95)
    .option('--max-tokens <n>', 'most tokens per answer', num(1, 4096), 256)
    .option('--seed <s>', 'sampling seed (each turn adds its index)', num(0, 2 ** 31 - 1), 0)
    .option('--threads <n>', 'engine threads (default: all hardware threads)', num(0, 512), 0)
    .action(async (opts: { model?: string; adapter?: string; run?: string; checkpoint?: number; quant?: string; system?: string; temperature: number; topP: number; maxTokens: number; seed: number; threads: number }) => {
      const target = await resolveTarget({ model: opts.model, adapter: opts.adapter, run: opts.run, checkpoint: opts.checkpoint });
      const quant = opts.quant ? parseQuant(opts.quant) : target.quant ?? 'none';
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
      const history: ChatMessage[] = [];
      let turn = 0;
      let abort: AbortController | null = null;
      // Ctrl-C stops the answer being generated; at the prompt it quits.
      rl.on('SIGINT', () => (abort ? abort.abort() : rl.close()));
      process.stderr.write(`chatting with ${target.adapter ?? target.model}${target.adapter ? ' (adapter on)' : ''}; /reset starts over, /exit quits\n`);
      // The line iterator buffers input that arrives while an answer is generated (pasted or piped lines are kept).
      rl.setPrompt('> ');
      rl.prompt();
      try {
        for await (const line of rl) {
          const text = line.trim();
          if (text === '/exit' || text === '/quit') break;
          if (text === '/reset') {
            history.length = 0;
            process.stderr.write('(conversation cleared)\n');
          } else if (text) {
            history.push({ role: 'user', content: text });
            abort = new AbortController();
            try {
              const res = await chatOp(
                { model: target.model, quant, threads: opts.threads || undefined, sides: [target.adapter ?? null], messages: history,
                  settings: { temperature: opts.temperature, topP: opts.topP, maxNewTokens: opts.maxTokens, seed: opts.seed + turn++, sameSeed: true, system: opts.system } },
                { signal: abort.signal, emit: (_name, p) => process.stdout.write(p.delta) },
              );
              process.stdout.write('\n');
              history.push({ role: 'assistant', content: res.answers[0].text });
            } catch (err) {
              history.pop();
              process.stderr.write(`\n${(err as Error).message}\n`);
            } finally {
              abort = null;
            }
          }
          rl.prompt();
        }
      } finally {
        rl.close();
        await release();
      }
    });
}
