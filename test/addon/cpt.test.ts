// Continued pre-training end to end on a tiny native model: a folder of .md/.txt documents, split by document, cut
// into windows with every token trained, a warmup-stable-decay schedule; held-out perplexity must fall.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNativeTrainable } from '../../main/host/trainer/native-model';
import { runTrainingJob } from '../../main/host/trainer/run-job';
import { loadTrainingData } from '../../main/host/trainer/training-data';
import type { StepMetrics } from '../../main/host/trainer/trainer';
import { resolveTrainingConfig } from '../../main/api/training-config';
import { createRunDir, readMetrics } from '../../main/runs/run-dir';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

/** Documents in a small made-up domain language: the same few phrases in seeded orders. */
function writeCorpus(dir: string): void {
  const phrases = ['the valve opens at dawn', 'pressure falls in the north pipe', 'check the gauge twice', 'the pump hums below', 'log every reading'];
  let s = 7;
  const next = () => (s = (s * 48271) % 2147483647);
  mkdirSync(join(dir, 'notes'), { recursive: true });
  for (let d = 0; d < 12; d++) {
    const lines = Array.from({ length: 14 }, () => phrases[next() % phrases.length]);
    writeFileSync(join(dir, d % 2 ? `notes/doc${d}.md` : `doc${d}.txt`), `# Shift ${d}\n\n${lines.join('. ')}.\n`);
  }
}

describe('continued pre-training (cpt)', () => {
  it('lowers held-out perplexity on documents from the same folder', async () => {
    const root = tempDir();
    const corpus = join(root, 'corpus');
    writeCorpus(corpus);
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const config = resolveTrainingConfig({
      model, dataset: corpus, objective: 'cpt', quant: 'none', seqLen: 32, microBatch: 4, gradAccum: 1, maxSteps: 30, learningRate: 3e-3,
      schedule: 'wsd', minLrRatio: 0.1, decayFraction: 0.3, warmupSteps: 2, evalEvery: 15, checkpointEverySteps: 0, checkpointEveryMinutes: 0, validationFraction: 0.2, threads: 2,
    });
    const runDir = join(root, 'run');
    await createRunDir(runDir, config, { id: 'cpt', name: 'cpt', projectId: null, createdAt: new Date().toISOString() });
    const logs: string[] = [];
    const r = await runTrainingJob(runDir, { loadData: loadTrainingData, createModel: createNativeTrainable, onLog: (m) => logs.push(m) });
    expect(r.status).toBe('completed');
    expect(logs.join('\n')).toMatch(/continued pre-training: 10 training and 2 validation documents cut into \d+ and \d+ windows of up to 33 tokens/);
    const evals = (readMetrics(runDir) as unknown as StepMetrics[]).filter((m) => m.evalPerplexity !== undefined);
    expect(evals.map((m) => m.step)).toEqual([0, 15, 30]);
    expect(evals[2].evalPerplexity!).toBeLessThan(evals[0].evalPerplexity! * 0.7);
    // Warmup-stable-decay: the peak held through the middle, the floor at the end.
    const lrs = (readMetrics(runDir) as unknown as StepMetrics[]).filter((m) => m.step > 0).map((m) => m.lr);
    expect(lrs[10]).toBeCloseTo(3e-3, 12);
    expect(lrs[29]).toBeCloseTo(3e-4, 12);
    // The forgetting probe: perplexity on the general-text sample at every evaluation, against the base's.
    const probe = evals.map((m) => m.extra?.['eval/forgettingPerplexity']);
    expect(probe.every((p) => typeof p === 'number' && Number.isFinite(p))).toBe(true);
    const base = evals[0].extra!['eval/forgettingBasePerplexity'];
    expect(probe[0]).toBeCloseTo(base, 3);  // step 0: the adapter starts as the identity (B = 0)
    expect(probe[2]).not.toBe(probe[0]);    // and training moves it
    expect(logs.filter((l) => l.startsWith('forgetting probe: perplexity')).length).toBe(3);
    console.log(`cpt held-out perplexity: ${evals.map((m) => `step ${m.step} ${m.evalPerplexity!.toFixed(2)}`).join(', ')}; forgetting probe: ${probe.map((p) => p!.toFixed(2)).join(', ')} (base ${base.toFixed(2)})`);
  });

  it('refuses data that does not fit the objective, saying which and how to fix it', async () => {
    const root = tempDir();
    const model = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    const file = join(root, 'sft.jsonl');
    writeFileSync(file, JSON.stringify({ instruction: 'Say hi.', output: 'Hi.' }) + '\n');
    for (const [objective, msg] of [['cpt', /objective cpt trains on raw text, but .*sft.jsonl is alpaca data/], ['dpo', /objective dpo needs preference pairs .* is alpaca data/]] as const) {
      const config = resolveTrainingConfig({ model, dataset: file, objective, seqLen: 32 });
      await expect(loadTrainingData(config, '', () => {})).rejects.toMatchObject({ code: 'data.objectiveMismatch', message: expect.stringMatching(msg) });
    }
  });
});
