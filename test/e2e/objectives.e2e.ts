// Preference training through the browser: the New run guide's "preference" answer, the demo preference set imported
// in the Data step, a warning when the data does not fit the goal, a few DPO steps on a tiny model, and the reward
// accuracy chart on the dashboard.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const root = new URL('../..', import.meta.url).pathname;
const PREFS = join(root, 'assets/demo/contacts-preference.jsonl');

describeBrowser('preference training (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('imports the demo preference pairs', async () => {
    await createAndOpenProject(page, 'DPO test');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-inspect').click();
    await page.getByTestId('model-summary').waitFor();
    await page.goto(new URL('#/data', page.url()).toString());
    await page.getByTestId('data-path').fill(PREFS);
    await page.getByTestId('data-tokenizer').fill(modelDir);
    await page.getByTestId('inspect').click();
    await expect.poll(() => page.getByTestId('detected-format').textContent(), { timeout: 60_000 }).toBe('preference');
    await page.getByTestId('import').click();
    const list = page.getByTestId('dataset-list');
    await list.waitFor({ timeout: 60_000 });
    expect(await list.textContent()).toContain('preference · 200 valid of 200');
  });

  it('guides to DPO, warns about data that does not fit, trains and charts reward accuracy', async () => {
    await page.getByTestId('nav-train').click();
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('new-run-form').waitFor();
    await page.getByTestId('run-dataset-pick').selectOption({ index: 1 });
    // Names, not ids: the form shows the imported dataset's name, as the Data step listed it.
    const datasetName = (await page.getByTestId('run-dataset-pick').locator('option').nth(1).textContent())!.split(' · ')[0];
    expect(await page.getByTestId('run-dataset').inputValue()).toBe(datasetName);
    // One source of truth: the Data step's settings come with the dataset, and the form says so.
    expect(await page.getByTestId('data-settings-hint').textContent()).toMatch(/Validation share 0\.1, Max length 1024, Loss mask assistant, Length policy truncate: from your Data settings/);
    // SFT on preference pairs would ignore the rejected answers: the guide says so.
    await page.getByTestId('goal-data-warning').waitFor();
    expect(await page.getByTestId('goal-data-warning').textContent()).toMatch(/preference data/);
    await page.getByTestId('goal-preference').click();
    await expect.poll(() => page.getByTestId('goal-data-warning').count()).toBe(0);
    expect(await page.getByTestId('goal-advice').textContent()).toMatch(/Objective: dpo/);
    await page.getByTestId('goal-guide').scrollIntoViewIfNeeded();
    await screenshot(page, 'train-goal-preference-dark');
    await page.getByTestId('advanced-toggle').click();
    const field = (key: string) => page.getByTestId(`cfg-${key}`);
    expect(await field('objective').inputValue()).toBe('dpo');
    expect(await field('seqLen').inputValue()).toBe('1024');
    for (const [k, v] of Object.entries({ seqLen: '256', microBatch: '2', gradAccum: '1', maxSteps: '4', warmupSteps: '1', evalEvery: '2', checkpointEverySteps: '2', learningRate: '0.001', validationFraction: '0.1' })) await field(k).fill(v);
    // Changing one says so plainly.
    expect(await page.getByTestId('data-settings-hint').textContent()).toMatch(/You changed the max length from your Data settings \(max length 1024\)/);
    await page.getByTestId('run-start').click();
    const dash = page.getByTestId('run-dashboard');
    await dash.waitFor({ timeout: 30_000 });
    await expect.poll(() => dash.getByTestId('run-status').getAttribute('data-status'), { timeout: 180_000, interval: 200 }).toBe('completed');
    // The run header names the dataset (with its rows), and the run id is one click away, not on screen.
    expect(await dash.getByTestId('run-dataset-name').textContent()).toBe(`${datasetName} (200 rows)`);
    expect(await dash.getByTestId('run-title').locator('..').textContent()).not.toContain(await dash.getAttribute('data-run-id'));
    await dash.getByTestId('copy-run-id').waitFor();
    const chart = page.getByTestId('chart-reward-accuracy');
    await chart.waitFor({ timeout: 30_000 });
    await expect.poll(async () => Number(await chart.getAttribute('data-points-rewardaccuracy')), { timeout: 30_000 }).toBe(4);
    // Held-out accuracy at the baseline (step 0) and at each evaluation.
    expect(Number(await chart.getAttribute('data-points-evalrewardaccuracy'))).toBe(3);
    await page.getByTestId('chart-rewards').waitFor();
    await chart.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await screenshot(page, 'train-dpo-dashboard-dark');

    // A link to one chart of a run (as Learn's reward-hacking pitfall makes) opens the run scrolled to that chart.
    const runId = (await dash.getAttribute('data-run-id'))!;
    await page.getByTestId('run-title').scrollIntoViewIfNeeded();
    await page.evaluate((id) => (window.location.hash = `#/train/${encodeURIComponent(id)}/chart-rewards`), runId);
    const rewards = page.getByTestId('chart-rewards');
    await expect.poll(() => rewards.getAttribute('class')).toContain('chart-focused');
    expect(await rewards.isVisible()).toBe(true);
    await expect.poll(() => rewards.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    await screenshot(page, 'train-chart-focus-dark');
  });
});
