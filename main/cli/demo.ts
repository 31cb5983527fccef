// `lathe demo` (CLI process, which may load the engine itself): the whole job on an embedded default — generate the demo base model, train a LoRA on the bundled
// instruction set in the engine host, then compare base and tuned generations on held-out prompts. With objective dpo, a
// DPO run then continues from the SFT adapter on the bundled preference pairs and reports held-out reward accuracy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../app-root';
import { openEngine } from '../engine/engine';
import { loadTokenizer } from '../models/tokenizer';
import type { RunRecord } from '../library/runs-repo';
import type { Runtime } from '../services/runtime';
import { parseDevice, type EngineDevice } from '../api/device';
import { resolveTrainingConfig, type TrainingConfig } from '../api/training-config';
import { ensureDemoBaseModel } from '../runs/demo-model';
import { readMetrics } from '../runs/run-dir';
import { validationCount } from '../data/split';

export interface DemoOptions {
  steps: number;
  /** 'dpo': after the SFT demo, train DPO on contacts-preference.jsonl starting from its adapter. */
  objective?: 'sft' | 'dpo';
  /** DPO steps (default: steps / 2). */
  dpoSteps?: number;
  threads?: number;
  /** Backend for training and the generations (auto | cpu | vulkan[:N]); default the config's (auto). */
  device?: EngineDevice;
  onProgress?(event: { kind: 'model' | 'start' | 'step' | 'generate'; message: string; step?: number; loss?: number | null }): void;
}

export interface DemoGeneration {
  prompt: string;
  base: string;
  tuned: string;
  expected: string;
}

export interface DemoSummary {
  initialLoss: number | null;
  finalLoss: number | null;
  evalLossBefore: number | null;
  evalLossAfter: number | null;
  steps: number;
  tokensPerSecond: number;
  plannedBytes: number | null;
  peakBytes: number | null;
  adapterPath: string;
  runDir: string;
  status: RunRecord['status'];
  seconds: number;
  generations: DemoGeneration[];
  dpo?: DemoDpoSummary;
}

/** Held-out preference figures of the DPO stage: at step 0 (the SFT model is its own reference) and at the end. */
export interface DemoDpoSummary {
  steps: number;
  status: RunRecord['status'];
  runDir: string;
  seconds: number;
  heldOutPairs: number;
  rewardAccuracyBefore: number | null;
  rewardAccuracyAfter: number | null;
  marginBefore: number | null;
  marginAfter: number | null;
  evalLossBefore: number | null;
  evalLossAfter: number | null;
}

export const demoDatasetPath = () => join(appRoot(), 'assets', 'demo', 'contacts-sft.jsonl');
export const demoPreferencePath = () => join(appRoot(), 'assets', 'demo', 'contacts-preference.jsonl');

/** DPO on the demo pairs, continuing from the SFT demo's adapter (which is also the reference). */
export function demoDpoConfig(model: string, sftAdapter: string, steps: number, threads?: number): TrainingConfig {
  return resolveTrainingConfig({
    model,
    dataset: demoPreferencePath(),
    objective: 'dpo',
    initAdapter: sftAdapter,
    beta: 0.1,
    quant: 'nf4',
    loraR: 16,
    loraAlpha: 32,
    seqLen: 256,
    microBatch: 2,
    gradAccum: 2,
    maxSteps: steps,
    learningRate: 1e-3,
    warmupSteps: Math.min(5, Math.max(1, Math.floor(steps / 10))),
    evalEvery: steps,
    checkpointEverySteps: Math.max(1, Math.floor(steps / 2)),
    // 20 held-out pairs: enough to read an accuracy to 5 %.
    validationFraction: 0.1,
    seed: 42,
    ...(threads ? { threads } : {}),
  });
}

export function demoConfig(model: string, steps: number, threads?: number, device?: EngineDevice): TrainingConfig {
  return resolveTrainingConfig({
    model,
    dataset: demoDatasetPath(),
    quant: 'nf4',
    loraR: 16,
    loraAlpha: 32,
    seqLen: 256,
    microBatch: 4,
    gradAccum: 1,
    maxSteps: steps,
    // The base model has random weights, so the adapter has everything to learn: a higher rate than for a real model.
    learningRate: 3e-3,
    warmupSteps: Math.min(10, Math.max(1, Math.floor(steps / 10))),
    evalEvery: Math.max(1, Math.floor(steps / 4)),
    checkpointEverySteps: Math.max(1, Math.floor(steps / 2)),
    validationFraction: 0.05,
    seed: 42,
    ...(threads ? { threads } : {}),
    ...(device ? { device } : {}),
  });
}

export async function runDemo(runtime: Runtime, opts: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  opts.onProgress?.({ kind: 'model', message: 'preparing the demo base model (generated once, deterministic)' });
  const model = await ensureDemoBaseModel(runtime.ctx.paths.models);
  const config = demoConfig(model, opts.steps, opts.threads, opts.device);
  const jobs = runtime.ctx.jobs;
  const unsubscribe = runtime.on('training.metrics', ({ metrics: m }) => opts.onProgress?.({ kind: 'step', message: `step ${m.step}`, step: m.step, loss: m.loss }));
  let run: RunRecord;
  try {
    run = await jobs.create(config, { name: `Demo ${new Date().toISOString().slice(0, 16).replace('T', ' ')}` });
    opts.onProgress?.({ kind: 'start', message: `training ${opts.steps} steps in ${run.runDir}` });
    await jobs.idle();
  } finally {
    unsubscribe();
  }
  run = jobs.get(run.id)!;
  const metrics = readMetrics(run.runDir) as { step: number; loss: number | null; evalLoss?: number; tokensPerSecond: number; tokens: number; memoryBytes?: number; plannedBytes?: number }[];
  const steps = metrics.filter((m) => m.step > 0);
  const evals = metrics.filter((m) => typeof m.evalLoss === 'number');
  const trainSeconds = steps.reduce((s, m) => s + (m.tokensPerSecond > 0 ? m.tokens / m.tokensPerSecond : 0), 0);
  const tokens = steps.reduce((s, m) => s + m.tokens, 0);
  const last = steps.at(-1);
  const generations = run.status === 'completed' ? await compareGenerations(model, join(run.runDir, 'adapter'), config, opts) : [];
  const dpo = opts.objective === 'dpo' && run.status === 'completed' ? await runDpoStage(runtime, model, join(run.runDir, 'adapter'), opts) : undefined;
  return {
    ...(dpo ? { dpo } : {}),
    initialLoss: steps[0]?.loss ?? null,
    finalLoss: last?.loss ?? null,
    evalLossBefore: evals[0]?.evalLoss ?? null,
    evalLossAfter: evals.length > 1 ? evals.at(-1)!.evalLoss! : null,
    steps: steps.length,
    tokensPerSecond: trainSeconds > 0 ? tokens / trainSeconds : 0,
    plannedBytes: last?.plannedBytes ?? null,
    peakBytes: last?.memoryBytes ?? null,
    adapterPath: join(run.runDir, 'adapter'),
    runDir: run.runDir,
    status: run.status,
    seconds: (performance.now() - started) / 1000,
    generations,
  };
}

async function runDpoStage(runtime: Runtime, model: string, sftAdapter: string, opts: DemoOptions): Promise<DemoDpoSummary> {
  const started = performance.now();
  const steps = opts.dpoSteps ?? Math.max(2, Math.floor(opts.steps / 2));
  const config = demoDpoConfig(model, sftAdapter, steps, opts.threads);
  const unsubscribe = runtime.on('training.metrics', ({ metrics: m }) => opts.onProgress?.({ kind: 'step', message: `dpo step ${m.step}`, step: m.step, loss: m.loss }));
  let run: RunRecord;
  try {
    run = await runtime.ctx.jobs.create(config, { name: `Demo DPO ${new Date().toISOString().slice(0, 16).replace('T', ' ')}` });
    opts.onProgress?.({ kind: 'start', message: `DPO: ${steps} steps on the preference pairs, from the SFT adapter, in ${run.runDir}` });
    await runtime.ctx.jobs.idle();
  } finally {
    unsubscribe();
  }
  run = runtime.ctx.jobs.get(run.id)!;
  const evals = (readMetrics(run.runDir) as { evalLoss?: number; extra?: Record<string, number> }[]).filter((m) => typeof m.evalLoss === 'number');
  const [first, last] = [evals[0], evals.length > 1 ? evals.at(-1) : undefined];
  const fig = (m: typeof first | undefined, k: string) => m?.extra?.[`eval/rewards/${k}`] ?? null;
  const pairs = readFileSync(config.dataset, 'utf8').split('\n').filter(Boolean).length;
  return {
    steps,
    status: run.status,
    runDir: run.runDir,
    seconds: (performance.now() - started) / 1000,
    heldOutPairs: validationCount(pairs, { valFraction: config.validationFraction, seed: config.seed }),
    rewardAccuracyBefore: fig(first, 'accuracy'),
    rewardAccuracyAfter: fig(last, 'accuracy'),
    marginBefore: fig(first, 'margin'),
    marginAfter: fig(last, 'margin'),
    evalLossBefore: first?.evalLoss ?? null,
    evalLossAfter: last?.evalLoss ?? null,
  };
}

/** Greedy generations for a few held-out rows, adapter off (base) and on (tuned). The CLI process is its own engine host. */
async function compareGenerations(modelDir: string, adapterDir: string, config: TrainingConfig, opts: DemoOptions): Promise<DemoGeneration[]> {
  const rows = readFileSync(config.dataset, 'utf8').split('\n').filter(Boolean).slice(-3).map((l) => JSON.parse(l) as { instruction: string; input: string; output: string });
  const tok = await loadTokenizer(modelDir);
  const engine = openEngine({ threads: config.threads });
  const model = await engine.loadModel(modelDir, { quant: config.quant, device: parseDevice(config.device, 'device'), maxSeqLen: config.seqLen + 128 });
  try {
    await model.loadAdapter(adapterDir);
    const out: DemoGeneration[] = [];
    for (const row of rows) {
      opts.onProgress?.({ kind: 'generate', message: `generating for: ${row.input.slice(0, 60)}` });
      const prompt = `${row.instruction}\n\n${row.input}`;
      const ids = tok.encode(tok.renderChat([{ role: 'user', content: prompt }], { addGenerationPrompt: true }), { addSpecialTokens: false });
      const gen = async (adapter: boolean) => tok.decode((await model.generate(ids, { maxNewTokens: 80, temperature: 0, stop: tok.stopIds, adapter })).tokens, { skipSpecialTokens: true });
      out.push({ prompt: row.input, base: await gen(false), tuned: await gen(true), expected: row.output });
    }
    return out;
  } finally {
    await model.close();
  }
}
