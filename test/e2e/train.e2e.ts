// The Train step through web mode on a tiny generated model and a small JSONL file: the form generated from
// training.configHelp, presets, validation errors at the right field, then a real run started from the UI and followed
// on the live dashboard to its final state, across a reload; the run list shows it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { configHelp } from '../../main/training/config';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const FINAL = ['completed', 'failed', 'cancelled', 'interrupted'];
const STEPS = 4;

/** 40 small instruction rows (deterministic), enough for a few steps and a validation split. */
function writeDataset(dir: string): string {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    instruction: `Add ${i} and ${i + 3}.`,
    input: i % 3 === 0 ? `Show the sum only.` : '',
    output: `${i} + ${i + 3} = ${2 * i + 3}`,
  }));
  const file = join(dir, 'sums.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describeBrowser('train step (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;
  let dataDir: string;
  let datasetFile: string;
  let runUrl: string;
  /** How the first run ended: the mid-run test needs an engine that trains. */
  let firstFinal: string | null = null;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama' });
    dataDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-data-'));
    datasetFile = writeDataset(dataDir);
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const field = (key: string) => page.getByTestId(`cfg-${key}`);

  it('shows an empty run list for a new project', async () => {
    await createAndOpenProject(page, 'Train test');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-inspect').click();
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('nav-train').click();
    await page.getByTestId('runs-empty').waitFor();
    await screenshot(page, 'train-empty-dark');
  });

  it('generates every setting from training.configHelp, with its default and reason', async () => {
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('new-run-form').waitFor();
    expect(page.url()).toMatch(/#\/train\/new$/);
    expect(await page.getByTestId('run-model').inputValue()).toBe(modelDir);
    await page.getByTestId('advanced-toggle').click();
    const settings = page.getByTestId('advanced-settings');
    await settings.waitFor();
    for (const [key, help] of Object.entries(configHelp)) {
      if (key === 'model' || key === 'dataset') continue;
      const row = settings.locator(`.setting[data-key="${key}"]`);
      expect(await row.count(), key).toBe(1);
      expect(await row.locator('.setting-help').textContent(), key).toBe(help);
    }
    // Defaults come from the server (Balanced = the defaults): learning rate 2e-4, rank 16, cosine, NF4.
    expect(await field('learningRate').inputValue()).toBe('0.0002');
    expect(await field('loraR').inputValue()).toBe('16');
    expect(await field('schedule').inputValue()).toBe('cosine');
    expect(await field('quant').inputValue()).toBe('nf4');
    expect(await field('loraTargets').locator('[aria-pressed="true"]').count()).toBe(7);

    // Presets fill their keys and say so; the default stays visible.
    await page.getByTestId('preset-quick').click();
    expect(await field('loraR').inputValue()).toBe('8');
    expect(await field('seqLen').inputValue()).toBe('512');
    expect(await settings.locator('.setting[data-key="loraR"] .setting-default').textContent()).toBe('preset · default 16');
    await page.getByTestId('preset-max').click();
    expect(await field('loraR').inputValue()).toBe('64');
    expect(await field('evalEvery').inputValue()).toBe('25');
    await page.getByTestId('preset-quick').click();
    expect(await page.getByTestId('batch-math').textContent()).toContain('8 sequences of up to 512 tokens');
    await screenshot(page, 'train-new-dark');
  });

  it('shows errors at the field they are about', async () => {
    // Missing dataset: the server's validation names config.dataset.
    await page.getByTestId('run-start').click();
    const form = page.getByTestId('new-run-form');
    await expect.poll(() => page.getByTestId('run-dataset').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByTestId('field-error').first().textContent()).toMatch(/Dataset file/);

    await page.getByTestId('run-dataset').fill(datasetFile);
    // Out of range: the server says so, and the message lands under that setting.
    await field('loraR').fill('0');
    await page.getByTestId('run-start').click();
    const loraErr = form.locator('.setting[data-key="loraR"]').getByTestId('field-error');
    await loraErr.waitFor();
    expect(await loraErr.getAttribute('data-code')).toBe('api.invalidArgs');
    expect(await loraErr.textContent()).toMatch(/LoRA rank/);
    expect(await field('loraR').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'train-field-error-dark');
    // Not a number: caught before sending.
    await field('loraR').fill('8');
    await field('learningRate').fill('fast');
    await page.getByTestId('run-start').click();
    await form.locator('.setting[data-key="learningRate"]').getByTestId('field-error').waitFor();
    expect(await form.locator('.setting[data-key="loraR"]').getByTestId('field-error').count()).toBe(0);
    await form.locator('.setting[data-key="learningRate"]').getByRole('button', { name: /Reset to/ }).click();
    expect(await field('learningRate').inputValue()).toBe('0.0002');
  });

  it('starts a run from the UI and follows it on the dashboard to a final state', async () => {
    await page.getByTestId('run-name-input').fill('Tiny sums');
    await field('maxSteps').fill(String(STEPS));
    await field('warmupSteps').fill('1');
    await field('evalEvery').fill('2');
    await field('checkpointEverySteps').fill('2');
    await field('gradAccum').fill('2');
    await page.getByTestId('run-start').click();

    const dash = page.getByTestId('run-dashboard');
    await dash.waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(/#\/train\/run-[a-z0-9-]+$/);
    runUrl = page.url();
    expect(await page.getByTestId('run-title').textContent()).toBe('Tiny sums');
    const status = dash.getByTestId('run-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toMatch(new RegExp(`^(${FINAL.join('|')})$`));
    const final = await status.getAttribute('data-status');
    firstFinal = final;
    await screenshot(page, 'train-dashboard-dark');

    if (final === 'completed') {
      expect(await dash.getByTestId('run-step').textContent()).toBe(`${STEPS} / ${STEPS}`);
      expect(Number(await dash.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThanOrEqual(STEPS);
      expect(Number(await dash.getByTestId('chart-lr').getAttribute('data-points'))).toBeGreaterThanOrEqual(STEPS);
      expect(await dash.getByTestId('chart-loss').locator('.recharts-line-curve').count()).toBeGreaterThan(0);
      expect(await dash.getByTestId('checkpoint-row').count()).toBeGreaterThan(0);
      expect(await dash.getByTestId('run-failure').count()).toBe(0);
    } else {
      // Not (yet) trainable here: the dashboard must say why and how to fix it, as the server recorded it.
      expect(final).toBe('failed');
      const failure = dash.getByTestId('run-failure');
      await failure.waitFor();
      expect((await failure.locator('.field-error-message').textContent())?.length).toBeGreaterThan(10);
      expect((await failure.locator('.field-error-hint').textContent())?.length).toBeGreaterThan(3);
      expect(await failure.getByTestId('field-error').getAttribute('data-code')).toMatch(/\S/);
      // A failed run can be retried from its last checkpoint: the server takes the resume and the run ends the same way.
      // The status events on the socket prove the round trip (queued again, then failed), however fast it goes.
      const seen: string[] = [];
      page.on('websocket', (ws) =>
        ws.on('framereceived', (f) => {
          const msg = JSON.parse(String(f.payload)) as { type: string; event?: string; payload?: { run?: { status: string } } };
          if (msg.type === 'event' && msg.event === 'training.status' && msg.payload?.run) seen.push(msg.payload.run.status);
        }),
      );
      await page.reload();
      await dash.getByTestId('run-resume').click();
      await expect.poll(() => seen.join(','), { timeout: 60_000, interval: 250 }).toMatch(/^queued,.*failed$/);
      await expect.poll(() => status.getAttribute('data-status')).toBe('failed');
      await dash.getByTestId('run-resume').waitFor();
      expect(await page.getByTestId('toast-error').count()).toBe(0);
      expect(await dash.getByTestId('run-failure').count()).toBe(1);
    }
  });

  it('survives a reload and lists the run in the project', async () => {
    const before = await page.getByTestId('run-status').getAttribute('data-status');
    const steps = await page.getByTestId('run-step').textContent();
    await page.reload();
    await page.getByTestId('run-dashboard').waitFor();
    expect(page.url()).toBe(runUrl);
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe(before);
    expect(await page.getByTestId('run-step').textContent()).toBe(steps);

    await page.getByTestId('runs-back').click();
    const row = page.getByTestId('run-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getByTestId('run-name').textContent()).toBe('Tiny sums');
    expect(await row.getByTestId('run-status').getAttribute('data-status')).toBe(before);
    await screenshot(page, 'train-runs-dark');
    await page.getByTestId('theme-toggle').click();
    await screenshot(page, 'train-runs-light');
    // N opens the New run form (as on the Projects page); Back returns to the list.
    await page.keyboard.press('n');
    await page.getByTestId('new-run-form').waitFor();
    await page.goBack();
    await row.first().waitFor();
    await row.getByRole('button', { name: 'Open run Tiny sums' }).click();
    await page.getByTestId('run-dashboard').waitFor();
    await screenshot(page, 'train-dashboard-light');
    await page.getByTestId('theme-toggle').click();
    expect(app.errors).toEqual([]);
  });
  it('pauses, resumes, survives a reload and cancels mid-run', async (ctx) => {
    // Needs an engine that trains (the first run completed); until then this is reported as skipped, not passed.
    if (firstFinal !== 'completed') ctx.skip();
    await page.getByTestId('new-run').click();
    await page.getByTestId('run-dataset').fill(datasetFile);
    await page.getByTestId('run-name-input').fill('Long run');
    await page.getByTestId('preset-quick').click();
    await page.getByTestId('advanced-toggle').click();
    await field('maxSteps').fill('400');
    await field('warmupSteps').fill('1');
    await field('gradAccum').fill('1');
    await field('checkpointEverySteps').fill('2');
    await page.getByTestId('run-start').click();
    const dash = page.getByTestId('run-dashboard');
    await dash.waitFor();
    const status = dash.getByTestId('run-status');
    const step = async () => Number((await dash.getByTestId('run-step').textContent())?.split('/')[0].trim());
    await expect.poll(step, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(3);
    expect(await status.getAttribute('data-status')).toBe('running');
    expect(Number(await dash.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'train-running-dark');

    // Reload mid-run: the dashboard reloads the history and keeps following live events.
    const before = await step();
    await page.reload();
    await dash.waitFor();
    expect(await step()).toBeGreaterThanOrEqual(before);
    await expect.poll(step, { timeout: 60_000, interval: 250 }).toBeGreaterThan(before);

    await dash.getByTestId('run-pause').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000, interval: 250 }).toBe('paused');
    const pausedAt = await step();
    await expect.poll(() => dash.getByTestId('checkpoint-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(1500);
    expect(await step()).toBe(pausedAt);
    await screenshot(page, 'train-paused-dark');

    await dash.getByTestId('run-resume').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000, interval: 250 }).toBe('running');
    await expect.poll(step, { timeout: 60_000, interval: 250 }).toBeGreaterThan(pausedAt);

    await dash.getByTestId('run-cancel').click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000, interval: 250 }).toBe('cancelled');
    expect(await dash.getByTestId('run-resume').count()).toBe(1);
    expect(app.errors).toEqual([]);
  });
});
