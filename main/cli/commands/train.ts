// `lathe train --config FILE.yaml` / `lathe train --resume RUN_DIR` and `lathe runs list`: the job manager from a terminal,
// with a progress bar (step, loss, tokens/s, ETA) or one JSON object per line with --json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { parseDevice } from '../../api/device';
import type { RunRecord } from '../../library/runs-repo';
import { configHelp } from '../../api/training-config';
import { parseTrainingConfigYaml } from '../../runs/config-yaml';
import { readRunIdentity } from '../../runs/run-dir';
import { createRuntime, type Runtime } from '../../services/runtime';

function printLine(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Follows one run until it reaches a final state; Ctrl+C pauses it (checkpoint first). */
async function follow(runtime: Runtime, run: RunRecord, json: boolean): Promise<RunRecord> {
  const jobs = runtime.ctx.jobs;
  // A progress bar needs a terminal; piped output (CI, logs) gets a plain line every ~10% instead.
  const tty = !!process.stderr.isTTY;
  const bar = json || !tty ? null : new SingleBar({ format: ' {bar} {value}/{total} steps | loss {loss} | {tps} tok/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20 });
  let started = false;
  const offMetrics = runtime.on('training.metrics', ({ runId, metrics }) => {
    if (runId !== run.id) return;
    if (json) return printLine({ type: 'metrics', runId, ...metrics });
    const total = jobs.get(run.id)?.totalSteps || metrics.step;
    if (!bar) {
      if (metrics.step === total || metrics.step % Math.max(1, Math.round(total / 10)) === 0) {
        process.stderr.write(`step ${metrics.step}/${total}  loss ${metrics.loss === null ? '-' : metrics.loss.toFixed(4)}${metrics.evalLoss !== null ? `  eval ${metrics.evalLoss.toFixed(4)}` : ''}  ${Math.round(metrics.tokensPerSecond ?? 0)} tok/s\n`);
      }
      return;
    }
    if (!started) {
      bar?.start(total, metrics.step - 1, { loss: '-', tps: '-' });
      started = true;
    }
    bar?.setTotal(total);
    bar?.update(metrics.step, { loss: metrics.loss === null ? 'skipped' : metrics.loss.toFixed(4), tps: Math.round(metrics.tokensPerSecond ?? 0) });
  });
  const offLog = runtime.on('training.log', ({ runId, message }) => {
    if (runId !== run.id) return;
    if (json) printLine({ type: 'log', runId, message });
    else if (!started) process.stderr.write(`${message}\n`);
  });
  const onSigint = () => {
    process.stderr.write('\npausing: saving a checkpoint first (Ctrl+C again to force quit)...\n');
    jobs.pause(run.id);
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    await jobs.idle();
  } finally {
    process.off('SIGINT', onSigint);
    bar?.stop();
    offMetrics();
    offLog();
  }
  return jobs.get(run.id)!;
}

function report(run: RunRecord, json: boolean): void {
  if (json) {
    printLine({ type: 'result', id: run.id, status: run.status, step: run.step, totalSteps: run.totalSteps, lastLoss: run.lastLoss, bestEvalLoss: run.bestEvalLoss, runDir: run.runDir, error: run.error });
  } else {
    process.stdout.write(`run ${run.id}: ${run.status} at step ${run.step}/${run.totalSteps}${run.lastLoss !== null ? `, loss ${run.lastLoss.toFixed(4)}` : ''}\n  folder: ${run.runDir}\n`);
    if (run.error) process.stdout.write(`  error: ${run.error.message}${run.error.hint ? `\n  hint: ${run.error.hint}` : ''}\n`);
  }
  if (run.status === 'failed' || run.status === 'interrupted') process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a LoRA adapter from a YAML config, or resume a run')
    .option('--config <file>', 'YAML training config (`lathe train --help-config` lists every key)')
    .option('--resume <runDir>', 'resume a paused or interrupted run from its newest valid checkpoint')
    .option('--name <name>', 'name of the new run')
    .option('--help-config', 'list every config key with its default and the reason for it')
    .option('--device <d>', "backend for a new run (auto | cpu | vulkan | vulkan:N); overrides the config's device")
    .option('--json', 'print JSON lines (metrics, log, result) instead of a progress bar')
    .action(async (opts: { config?: string; resume?: string; name?: string; device?: string; helpConfig?: boolean; json?: boolean }) => {
      if (opts.helpConfig) {
        for (const [k, why] of Object.entries(configHelp)) process.stdout.write(`${k}\n    ${why}\n`);
        return;
      }
      if (!opts.config === !opts.resume) throw new LatheError('cli.usage', 'Give exactly one of --config FILE.yaml or --resume RUN_DIR.', 'Example: lathe train --config my-run.yaml');
      // A resumed run keeps the device in its saved config, so --device only applies to a new run.
      if (opts.device !== undefined && opts.resume) throw new LatheError('cli.usage', '--device applies to a new run (--config), not to --resume.', "A resumed run uses the device saved in its config.");
      const device = opts.device !== undefined ? parseDevice(opts.device) : undefined;
      const runtime = createRuntime({ shell: 'cli' });
      try {
        let run: RunRecord;
        if (opts.config) {
          const file = resolve(opts.config);
          let text: string;
          try {
            text = readFileSync(file, 'utf8');
          } catch (err) {
            throw new LatheError('cli.config', `Cannot read ${file}: ${(err as Error).message}`, 'Check the path of the config file.');
          }
          run = await runtime.ctx.jobs.create({ ...parseTrainingConfigYaml(text, file), ...(device ? { device } : {}) }, { name: opts.name });
        } else {
          const dir = resolve(opts.resume!);
          const id = (() => {
            try {
              return readRunIdentity(dir).id;
            } catch {
              throw new LatheError('cli.resume', `${dir} is not a Lathe run folder (identity.json is missing or unreadable).`, 'Pass the folder printed when the run started, or see `lathe runs list`.');
            }
          })();
          if (!runtime.ctx.jobs.get(id)) throw new LatheError('cli.resume', `Run ${id} is not in this library (${runtime.ctx.paths.root}).`, 'Set LATHE_HOME to the library the run belongs to.');
          run = runtime.ctx.jobs.resume(id);
        }
        report(await follow(runtime, run, !!opts.json), !!opts.json);
      } finally {
        await runtime.close();
      }
    });

  const runs = program.command('runs').description('training runs in the library');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const list = runtime.ctx.jobs.list();
        if (opts.json) return printLine(list);
        if (!list.length) return void process.stdout.write('no runs yet (start one with `lathe train --config FILE.yaml` or `lathe demo`)\n');
        for (const r of list) {
          process.stdout.write(`${r.id}  ${r.status.padEnd(11)} ${String(r.step).padStart(6)}/${String(r.totalSteps).padEnd(6)} ${r.lastLoss !== null ? `loss ${r.lastLoss.toFixed(4)}` : ''}  ${r.name}\n`);
        }
      } finally {
        await runtime.close();
      }
    });
}
