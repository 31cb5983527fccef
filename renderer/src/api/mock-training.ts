// The mock's models, training and runs methods (vite dev with ?mock): a fake run that emits plausible metrics, logs
// and checkpoints on a timer, so the Model and Train pages can be worked on without an engine. Never used in builds.
import type { ConfigHelp, EventName, EventPayloads, FitCheck, ModelSummary, Run, RunDetail } from '../../../main/api/contract';
import { ApiError } from './errors';

type Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** A few keys only: the real table comes from the server; this is enough to exercise every input kind. */
const HELP: ConfigHelp = {
  model: { help: 'Folder of the base model.', default: null, kind: 'string', optional: false },
  dataset: { help: 'Dataset file or id.', default: null, kind: 'string', optional: false },
  quant: { help: 'NF4 stores frozen weights in 4 bits.', default: 'nf4', kind: 'enum', options: ['nf4', 'int8', 'none'], optional: false },
  loraR: { help: 'Rank 16 is the common sweet spot.', default: 16, kind: 'integer', min: 1, max: 512, optional: false },
  loraAlpha: { help: 'alpha = 2r.', default: 32, kind: 'number', optional: false },
  loraTargets: { help: 'All 7 linear modules.', default: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], kind: 'list', options: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], optional: false },
  rslora: { help: 'Helps only at high ranks.', default: false, kind: 'boolean', optional: false },
  seqLen: { help: 'Most examples fit in 1024 tokens.', default: 1024, kind: 'integer', optional: false },
  microBatch: { help: 'One sequence per forward.', default: 1, kind: 'integer', optional: false },
  gradAccum: { help: 'Effective batch of 8.', default: 8, kind: 'integer', optional: false },
  epochs: { help: '1-3 epochs is typical.', default: 2, kind: 'number', optional: false },
  maxSteps: { help: 'Stop after this many steps.', default: null, kind: 'integer', optional: true },
  learningRate: { help: '2e-4 is the QLoRA learning rate.', default: 2e-4, kind: 'number', optional: false },
  schedule: { help: 'Cosine decay after warmup.', default: 'cosine', kind: 'enum', options: ['cosine', 'linear', 'constant'], optional: false },
  warmupSteps: { help: 'A short linear warmup.', default: 10, kind: 'integer', optional: false },
  evalEvery: { help: 'Validation loss every 50 steps.', default: 50, kind: 'integer', optional: false },
  checkpointEverySteps: { help: 'A checkpoint every 100 steps.', default: 100, kind: 'integer', optional: false },
};

export function createMockTraining(emit: Emit) {
  const runs = new Map<string, RunDetail>();
  const timers = new Map<string, ReturnType<typeof setInterval>>();
  const now = () => new Date().toISOString();

  function update(id: string, patch: Partial<Run>): Run {
    const d = runs.get(id)!;
    d.run = { ...d.run, ...patch, updatedAt: now() };
    emit('training.status', { run: d.run });
    return d.run;
  }

  function tick(id: string): void {
    const d = runs.get(id)!;
    const c = d.run.config as Record<string, number>;
    const step = d.run.step + 1;
    const total = d.run.totalSteps;
    const lr = (c.learningRate ?? 2e-4) * (step < 5 ? step / 5 : 0.5 * (1 + Math.cos((Math.PI * step) / total)));
    const loss = 2.6 * Math.exp(-step / (total / 3)) + 0.7 + (Math.random() - 0.5) * 0.15;
    const evalEvery = c.evalEvery ?? 50;
    const evalLoss = evalEvery && step % evalEvery === 0 ? loss + 0.08 : undefined;
    const metrics = { step, epoch: 0, loss, lr, gradNorm: 0.4 + Math.random() * 0.5, tokens: 4096, tokensPerSecond: 1800 + Math.random() * 300, memoryBytes: 1.1e9 + Math.random() * 5e7, plannedBytes: 1.2e9, at: now(), ...(evalLoss ? { evalLoss } : {}) };
    d.metrics.push({ step, loss, lr, gradNorm: metrics.gradNorm, tokensPerSecond: metrics.tokensPerSecond, evalLoss: evalLoss ?? null, memoryBytes: metrics.memoryBytes, skipped: null, at: now() });
    d.run = { ...d.run, step, lastLoss: loss, bestEvalLoss: evalLoss && (d.run.bestEvalLoss === null || evalLoss < d.run.bestEvalLoss) ? evalLoss : d.run.bestEvalLoss };
    emit('training.metrics', { runId: id, metrics });
    if ((c.checkpointEverySteps ?? 100) && step % (c.checkpointEverySteps ?? 100) === 0) {
      d.checkpoints = [{ step, dir: `/mock/runs/${id}/checkpoints/step-${step}`, evalLoss: evalLoss ?? null }, ...d.checkpoints].slice(0, 3);
      emit('training.log', { runId: id, message: `checkpoint saved at step ${step}` });
    }
    if (step >= total) {
      clearInterval(timers.get(id));
      timers.delete(id);
      emit('training.log', { runId: id, message: `completed ${step} steps; adapter written to /mock/runs/${id}/adapter` });
      update(id, { status: 'completed', finishedAt: now(), hostPid: null });
    }
  }

  function begin(id: string): void {
    const d = runs.get(id)!;
    const c = d.run.config as Record<string, number>;
    update(id, { status: 'running', startedAt: d.run.startedAt ?? now(), totalSteps: c.maxSteps ?? 60, hostPid: 4242 });
    emit('training.log', { runId: id, message: d.run.step ? `resuming from checkpoint at step ${d.run.step}` : `starting: ${c.maxSteps ?? 60} steps` });
    timers.set(id, setInterval(() => tick(id), 400));
  }

  function stop(id: string, status: 'paused' | 'cancelled'): Run {
    clearInterval(timers.get(id));
    timers.delete(id);
    emit('training.log', { runId: id, message: `${status} at step ${runs.get(id)!.run.step}` });
    return update(id, { status, hostPid: null });
  }

  /** A plan that grows with micro-batch x sequence length, against 16 GiB usable, so both verdicts can be tried. */
  function fitCheck(config: Record<string, unknown>, calibrate: boolean): FitCheck {
    const mb = Number(config.microBatch ?? 1);
    const seq = Number(config.seqLen ?? 1024);
    const plan = { weights: 0.3e9, lora: 2.4e7, kvCache: 0, activations: mb * seq * 2.2e5, scratch: 1.5e8 + mb * seq * 4e4, optimizer: 4.8e7, total: 0 };
    plan.total = plan.weights + plan.lora + plan.activations + plan.scratch + plan.optimizer;
    const freeBytes = 19 * 2 ** 30;
    const budgetBytes = Math.floor(freeBytes * 0.85);
    const fits = plan.total <= budgetBytes;
    let suggestion: FitCheck['suggestion'] = null;
    for (let s = seq; !fits && !suggestion && s >= 64; s = Math.floor(s / 2)) {
      for (let m = mb; m >= 1 && !suggestion; m = Math.floor(m / 2)) if (plan.total - plan.activations - mb * seq * 4e4 + m * s * 2.6e5 <= budgetBytes) suggestion = { microBatch: m, seqLen: s };
    }
    const base: FitCheck = { device: 'cpu', deviceName: 'CPU (system memory)', plan, plannedBytes: plan.total, freeBytes, totalBytes: 32 * 2 ** 30, budgetBytes, fits, suggestion, message: fits ? 'Fits.' : 'Does not fit.' };
    if (!calibrate || !fits) return base;
    const totalSteps = Number(config.maxSteps ?? 600);
    const secondsPerStep = 0.0004 * mb * seq * Number(config.gradAccum ?? 8);
    return { ...base, totalSteps, secondsPerStep, etaSeconds: totalSteps * secondsPerStep, trainExamples: 1200 };
  }

  const must = (id: string) => {
    const d = runs.get(id);
    if (!d) throw new ApiError('runs.notFound', `No run with id ${id}.`, 'Reload the run list.');
    return d;
  };

  return {
    models: {
      inspect: async ({ path }: { path: string }): Promise<ModelSummary> => {
        if (!path.startsWith('/')) throw new ApiError('models.relativePath', `"${path}" is not an absolute path.`, 'Give the full path of the model folder.');
        if (!/model/i.test(path)) throw new ApiError('models.notFound', `No folder at ${path}.`, 'Check the path; the folder must hold config.json and *.safetensors.');
        return {
          dir: path, architecture: 'LlamaForCausalLM', modelType: 'llama', hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64,
          vocab: 49152, tied: true, rmsNormEps: 1e-5, maxPositionEmbeddings: 8192, attentionBias: false, rope: { theta: 100000, scaling: null },
          dtype: 'BF16', torchDtype: 'bfloat16', parameterCount: 134_515_008, weightFiles: ['model.safetensors'], hasTokenizer: true, hasChatTemplate: true,
        };
      },
    },
    training: {
      configHelp: async () => HELP,
      fitCheck: async ({ config, calibrate }: { config: Record<string, unknown>; calibrate?: boolean }) => {
        if (!/model/i.test(String(config.model))) throw new ApiError('bad_config', `cannot read ${String(config.model)}/config.json`, 'Point Lathe at a Hugging Face model folder (it must contain config.json).');
        await new Promise((r) => setTimeout(r, calibrate ? 1500 : 150));
        return fitCheck(config, calibrate ?? true);
      },
      start: async ({ config, name, projectId }: { config: Record<string, unknown>; name?: string; projectId?: string }) => {
        if (!config.dataset) throw new ApiError('api.invalidArgs', 'training.start: config.dataset is required (it is empty).', 'Check the value and try again.', { field: 'config.dataset', issues: [{ field: 'config.dataset', message: 'is required (it is empty)' }] });
        const id = `run-mock-${Math.random().toString(36).slice(2, 8)}`;
        const run: Run = {
          id, projectId: projectId ?? null, name: name ?? `Run ${new Date().toLocaleString()}`, status: 'queued', runDir: `/mock/runs/${id}`, config, step: 0, totalSteps: 0,
          lastLoss: null, bestEvalLoss: null, error: null, hostPid: null, createdAt: now(), updatedAt: now(), startedAt: null, finishedAt: null,
        };
        runs.set(id, { run, metrics: [], checkpoints: [] });
        setTimeout(() => begin(id), 500);
        return run;
      },
      pause: async ({ id }: { id: string }) => (must(id), stop(id, 'paused')),
      cancel: async ({ id }: { id: string }) => (must(id), stop(id, 'cancelled')),
      resume: async ({ id }: { id: string }) => {
        must(id);
        setTimeout(() => begin(id), 300);
        return update(id, { status: 'queued', error: null });
      },
    },
    runs: {
      list: async (args?: { projectId?: string }) => [...runs.values()].map((d) => d.run).filter((r) => !args?.projectId || r.projectId === args.projectId).reverse(),
      get: async ({ id }: { id: string }) => structuredClone(must(id)),
      log: async ({ id }: { id: string }) => {
        const d = must(id);
        const lines = d.checkpoints.map((c) => `${d.run.startedAt ?? now()} checkpoint saved at step ${c.step}`).reverse();
        return { lines: [`${d.run.startedAt ?? now()} starting: ${d.run.totalSteps} steps`, ...lines], truncated: false };
      },
    },
    datasets: { list: async () => [] },
  };
}
