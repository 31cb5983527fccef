// `lathe demo`: train a LoRA end to end on this machine in a few minutes, with nothing to download.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createRuntime } from '../../services/runtime';
import { parseDevice } from '../../api/device';
import { runDemo } from '../demo';
import { formatBytes } from '../format';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InvalidArgumentError('must be a whole number from 1 to 100000');
  return n;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('train a LoRA on the bundled demo data with a generated base model, then compare generations')
    .option('--steps <n>', 'optimizer steps', positiveInt, 100)
    .option('--threads <n>', 'CPU threads for the engine (default: all cores)', positiveInt)
    .option('--objective <name>', 'sft, or dpo: after SFT, train DPO on the bundled preference pairs from the SFT adapter', (v: string) => {
      if (v !== 'sft' && v !== 'dpo') throw new InvalidArgumentError('must be sft or dpo');
      return v;
    }, 'sft')
    .option('--dpo-steps <n>', 'DPO steps with --objective dpo (default: half of --steps)', positiveInt)
    .option('--device <d>', 'backend: auto | cpu | vulkan | vulkan:N', 'auto')
    .option('--json', 'print one JSON object with the summary')
    .action(async (opts: { steps: number; threads?: number; device: string; json?: boolean; objective: 'sft' | 'dpo'; dpoSteps?: number }) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const summary = await runDemo(runtime, {
          steps: opts.steps,
          threads: opts.threads,
          objective: opts.objective,
          ...(opts.dpoSteps ? { dpoSteps: opts.dpoSteps } : {}),
          device: parseDevice(opts.device),
          onProgress: (e) => {
            if (opts.json) return;
            if (e.kind === 'step') {
              if (e.step === 0 || e.step === opts.steps || (e.step ?? 0) % Math.max(1, Math.floor(opts.steps / 10)) === 0) process.stderr.write(`  step ${e.step}/${opts.steps}${e.loss != null ? `  loss ${e.loss.toFixed(4)}` : ''}\n`);
            } else process.stderr.write(`${e.message}\n`);
          },
        });
        if (summary.status !== 'completed' || (summary.dpo && summary.dpo.status !== 'completed')) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(JSON.stringify(summary) + '\n');
          return;
        }
        const f = (n: number | null) => (n === null ? 'n/a' : n.toFixed(4));
        const lines = [
          '',
          `Demo ${summary.status} in ${summary.seconds.toFixed(0)} s: ${summary.steps} steps at ${summary.tokensPerSecond.toFixed(0)} tokens/s`,
          `  training loss   ${f(summary.initialLoss)} -> ${f(summary.finalLoss)}`,
          `  validation loss ${f(summary.evalLossBefore)} -> ${f(summary.evalLossAfter)}`,
          `  memory          ${summary.peakBytes ? formatBytes(summary.peakBytes) : 'n/a'} peak, ${summary.plannedBytes ? formatBytes(summary.plannedBytes) : 'n/a'} planned`,
          `  adapter         ${summary.adapterPath}`,
          ...summary.generations.flatMap((g) => ['', `  note:     ${g.prompt}`, `  base:     ${g.base.replace(/\s+/g, ' ').slice(0, 160)}`, `  tuned:    ${g.tuned.replace(/\s+/g, ' ').slice(0, 160)}`, `  expected: ${g.expected}`]),
        ];
        const d = summary.dpo;
        const pct = (n: number | null) => (n === null ? 'n/a' : `${(n * 100).toFixed(0)} %`);
        if (d) {
          lines.push(
            '',
            `DPO ${d.status} in ${d.seconds.toFixed(0)} s: ${d.steps} steps from the SFT adapter (the reference), ${d.heldOutPairs} held-out pairs`,
            `  reward accuracy ${pct(d.rewardAccuracyBefore)} -> ${pct(d.rewardAccuracyAfter)}`,
            `  reward margin   ${f(d.marginBefore)} -> ${f(d.marginAfter)}`,
            `  DPO eval loss   ${f(d.evalLossBefore)} -> ${f(d.evalLossAfter)}`,
          );
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        await runtime.close();
      }
    });
}
