// The Evaluate step in web mode on a tiny generated model: train a short run from the UI, evaluate it on its
// validation split (figures and the loss-by-position chart), pick the best checkpoint, chat side by side with both
// answers streamed, rate 5 blind A/B pairs, export them as a preference dataset and find it in the Data step.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const TRAINS = 180_000;
const POLL = { timeout: 120_000, interval: 100 };

describeBrowser('evaluate step (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;
  let dataDir: string;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    dataDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-eval-'));
    const rows = Array.from({ length: 40 }, (_, i) => ({ instruction: `Add ${i} and ${i + 3}.`, input: '', output: `${i} + ${i + 3} = ${2 * i + 3}` }));
    writeFileSync(join(dataDir, 'sums.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => console.error(`--- lathe serve output (tail) ---\n${app.server.output().slice(-3000)}`));
  });

  it('trains a short run to evaluate', async () => {
    await createAndOpenProject(page, 'Eval test');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-inspect').click();
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('nav-train').click();
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('run-dataset').fill(join(dataDir, 'sums.jsonl'));
    await page.getByTestId('advanced-toggle').click();
    // A high learning rate so 8 steps visibly change the answers; checkpoints at 4 and 8 for the picker.
    const values = { seqLen: '64', microBatch: '4', gradAccum: '1', warmupSteps: '1', evalEvery: '4', checkpointEverySteps: '4', maxSteps: '8', learningRate: '0.02' };
    for (const [k, v] of Object.entries(values)) await page.getByTestId(`cfg-${k}`).fill(v);
    await page.getByTestId('run-start').click();
    const status = () => page.getByTestId('run-dashboard').getByTestId('run-status').getAttribute('data-status');
    await expect.poll(status, POLL).toMatch(/^(completed|failed|cancelled|interrupted)$/);
    expect(await status()).toBe('completed');
  }, TRAINS);

  it('evaluates base vs adapter on the validation split, with the chart and the worst examples', async () => {
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('evaluate-page').waitFor();
    await page.getByTestId('eval-start').click();
    const result = page.getByTestId('eval-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('eval-figure-base').textContent()).toMatch(/loss \d+\.\d{3}/);
    expect(await page.getByTestId('eval-figure-adapter').textContent()).toMatch(/perplexity \d/);
    expect(Number(await page.getByTestId('eval-position-chart').getAttribute('data-points'))).toBeGreaterThan(0);
    await page.getByTestId('eval-worst-toggle').click();
    expect(await page.getByTestId('eval-worst').locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByTestId('checkpoints-start').click();
    const chart = page.getByTestId('checkpoint-chart');
    await chart.waitFor({ timeout: 60_000 });
    expect(await chart.getAttribute('data-points')).toBe('2');
    expect(['4', '8']).toContain(await chart.getAttribute('data-best'));
    await page.getByTestId('eval-history').waitFor();
    expect(await page.getByTestId('eval-history-row').count()).toBe(3);
    await page.mouse.move(0, 0);
    await screenshot(page, 'evaluate-metrics-dark');
  }, TRAINS);

  it('chats side by side with streamed answers and saves the transcript', async () => {
    await page.getByTestId('eval-tab-chat').click();
    await page.getByTestId('chat-max-tokens').fill('12');
    await page.getByTestId('chat-prompt').fill('Add 2 and 5.');
    await page.getByTestId('chat-send').click();
    await expect.poll(() => page.getByTestId('chat-panel').getAttribute('data-busy'), POLL).toBe('false');
    expect((await page.getByTestId('chat-answer-0').textContent())!.length).toBeGreaterThan(0);
    expect((await page.getByTestId('chat-answer-1').textContent())!.length).toBeGreaterThan(0);
    await page.getByTestId('chat-save').click();
    await page.getByText(/Saved the chat/).waitFor();
    await page.getByTestId('chat-saved').waitFor();
    expect(await page.getByTestId('chat-saved').locator('summary').textContent()).toBe('Saved chats in this project (1)');
    await screenshot(page, 'evaluate-chat-dark');
  }, TRAINS);

  it('rates 5 pairs blind and exports them as a preference dataset that shows in Data', async () => {
    await page.getByTestId('eval-tab-ab').click();
    await page.getByTestId('chat-max-tokens').fill('12');
    for (let i = 0; i < 5; i++) {
      await page.getByTestId('ab-prompt').fill(`Add ${i} and ${i + 10}.`);
      await page.getByTestId('ab-generate').click();
      await page.getByTestId('ab-pair').waitFor({ timeout: 60_000 });
      await page.getByTestId(i % 2 ? 'ab-pick-b' : 'ab-pick-a').click();
      await expect.poll(() => page.getByTestId('ab-rated').getAttribute('data-count'), POLL).toBe(String(i + 1));
    }
    await page.getByTestId('ab-export').click();
    await page.getByText(/Exported \d pairs as/).waitFor({ timeout: 30_000 });
    await screenshot(page, 'evaluate-ab-dark');
    await page.getByTestId('nav-data').click();
    const list = page.getByTestId('dataset-list');
    await list.waitFor();
    expect(await list.textContent()).toMatch(/A\/B preferences .* · preference · \d valid of 5/);
  }, TRAINS);

  it("Learn reads the project: one of its rows with the trained tokens, base vs trained answers, and the lever guide", async () => {
    // The run trained on a file path; importing the same file makes it one of the project's datasets.
    await page.getByTestId('data-path').fill(join(dataDir, 'sums.jsonl'));
    await page.getByTestId('inspect').click();
    await page.getByTestId('report').waitFor({ timeout: 30_000 });
    await page.getByTestId('import').click();
    await expect.poll(() => page.getByTestId('dataset-list').textContent(), POLL).toContain('sums.jsonl');

    await page.getByTestId('nav-learn').click();
    const sft = page.getByTestId('learn-sft');
    const mask = sft.getByTestId('learn-sft-mask');
    await mask.waitFor({ timeout: 60_000 });
    // The answer of the first row is trained; its question is context.
    expect((await mask.locator('[data-trained="1"]').allTextContents()).join('')).toContain('0 + 3 = 3');
    expect((await mask.locator('[data-trained="0"]').allTextContents()).join('')).toContain('Add 0 and 3.');
    await sft.getByTestId('learn-sft-generate').click();
    const answers = sft.getByTestId('learn-sft-answers');
    await answers.waitFor({ timeout: 60_000 });
    expect(await answers.locator('.learn-answer').count()).toBe(2);
    expect(await answers.textContent()).toMatch(/Base model \(before SFT\).*After training/s);

    const advice = page.getByTestId('learn-advice');
    await advice.waitFor({ timeout: 30_000 });
    expect(await advice.getAttribute('data-lever')).toMatch(/^(rag|sft|align)$/);
    expect(await advice.textContent()).toMatch(/From \d+ rows of/);
    expect(app.errors).toEqual([]);
  }, TRAINS);
});
