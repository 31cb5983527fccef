// The Train step through web mode on a tiny generated model (synthetic 512-token tokenizer, so a step takes tens of
// milliseconds) and a small JSONL file: the form generated from training.configHelp, errors at the right field, the fit
// check (fits, does not fit, apply the suggestion, time estimate), a real run followed to completion with every chart,
// and a longer run reloaded, paused, resumed to completion, and a third one cancelled mid-run.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { configHelp } from '../../main/api/training-config';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const STEPS = 8;
/** The first run: a few steps, eval every 4 (so at 0, 4 and 8) and checkpoints every 4. Finishes in a few seconds. */
const SHORT = { seqLen: '64', microBatch: '4', gradAccum: '2', warmupSteps: '1', evalEvery: '4', checkpointEverySteps: '4', maxSteps: String(STEPS) };
const LONG_STEPS = 100;
/** Slow enough to reload, pause and cancel mid-run (about 80 ms a step here), short enough to finish after a resume. */
const LONG = { seqLen: '64', microBatch: '8', gradAccum: '4', warmupSteps: '1', evalEvery: '25', checkpointEverySteps: '5', maxSteps: String(LONG_STEPS) };
const POLL = { timeout: 60_000, interval: 100 };
/** Tests that train: a few seconds here, but CI machines can be busy (the other test files build and run too). */
const TRAINS = 180_000;

/** 40 small instruction rows (deterministic), enough for many steps and a validation split. */
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

/** Every run folder's status and log, for failure messages (the server's side of what the page showed). */
function runFolders(home: string): string {
  const runs = join(home, 'runs');
  if (!existsSync(runs)) return '(no runs folder)';
  return readdirSync(runs)
    .map((id) => {
      const read = (f: string) => (existsSync(join(runs, id, f)) ? readFileSync(join(runs, id, f), 'utf8') : `(no ${f})`);
      return `--- ${id}\n${read('run.json')}\n${read('log.txt').split('\n').slice(-30).join('\n')}`;
    })
    .join('\n');
}

describeBrowser('train step (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;
  let dataDir: string;
  let datasetFile: string;
  let runUrl: string;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    dataDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-data-'));
    datasetFile = writeDataset(dataDir);
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  // A failure here is often about the server or the engine host: show what they said.
  beforeEach((ctx) => {
    ctx.onTestFailed(() => console.error(`--- lathe serve output (tail) ---\n${app.server.output().slice(-3000)}\n${runFolders(app.server.home)}`));
  });

  const field = (key: string) => page.getByTestId(`cfg-${key}`);
  async function fill(values: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(values)) await field(k).fill(v);
  }
  const dash = () => page.getByTestId('run-dashboard');
  const status = () => dash().getByTestId('run-status').getAttribute('data-status');
  const step = async () => Number((await dash().getByTestId('run-step').textContent())?.split('/')[0].trim());
  const count = async (chart: Locator, series: string) => Number(await chart.getAttribute(`data-points-${series}`));
  /** Screenshots without a chart tooltip left open under the pointer. */
  async function shot(name: string): Promise<void> {
    await page.mouse.move(0, 0);
    await screenshot(page, name);
  }
  /** The whole dashboard from the top: a taller window for the picture, then back. */
  async function tallShot(name: string): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 1560 });
    await page.evaluate(() => document.getElementById('content')?.scrollTo({ top: 0 }));
    await shot(name);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  it('shows an empty run list for a new project', async () => {
    await createAndOpenProject(page, 'Train test');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-inspect').click();
    await page.getByTestId('model-summary').waitFor();
    await page.getByTestId('nav-train').click();
    await page.getByTestId('runs-empty').waitFor();
    await shot('train-empty-dark');
  });

  it('generates every setting from training.configHelp, with its default, bounds and reason', async () => {
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('new-run-form').waitFor();
    expect(page.url()).toMatch(/#\/train\/new$/);
    expect(await page.getByTestId('run-model').inputValue()).toBe(modelDir);
    // No dataset yet: the fit check says what it needs instead of guessing.
    await page.getByTestId('fit-blocked').waitFor();
    await page.getByTestId('advanced-toggle').click();
    const settings = page.getByTestId('advanced-settings');
    await settings.waitFor();
    for (const [key, help] of Object.entries(configHelp)) {
      if (key === 'model' || key === 'dataset') continue;
      const row = settings.locator(`.setting[data-key="${key}"]`);
      expect(await row.count(), key).toBe(1);
      expect(await row.locator('.setting-help').textContent(), key).toBe(help);
    }
    // Bounds come from the schema too.
    expect(await settings.locator('.setting[data-key="loraR"] .setting-range').textContent()).toBe('1 – 512');
    expect(await settings.locator('.setting[data-key="seqLen"] .setting-range').textContent()).toBe('16 – 131,072');
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
    await shot('train-new-dark');
  });

  it('shows errors at the field they are about', async () => {
    const form = page.getByTestId('new-run-form');
    const errorAt = (key: string) => form.locator(`.setting[data-key="${key}"]`).getByTestId('field-error');
    // Missing dataset: said next to the field in words, before anything is sent (no validator text anywhere).
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.getByTestId('run-dataset').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByTestId('field-error').first().textContent()).toMatch(/Choose a dataset first/);
    expect(await form.textContent()).not.toMatch(/Too small|expected string|Invalid input/);
    // The focus moves to the field the error is about.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('run-dataset');

    await page.getByTestId('run-dataset').fill(datasetFile);
    // Giving the dataset takes its error away.
    await expect.poll(() => page.getByTestId('run-dataset').getAttribute('aria-invalid')).toBeNull();
    // Out of range: caught before sending, with the accepted range.
    await field('loraR').fill('0');
    await page.getByTestId('run-start').click();
    await errorAt('loraR').waitFor();
    expect(await errorAt('loraR').getAttribute('data-code')).toBe('form.outOfRange');
    expect(await errorAt('loraR').textContent()).toMatch(/LoRA rank.*between 1 and 512/);
    expect(await field('loraR').getAttribute('aria-invalid')).toBe('true');
    // The fit check waits for a config it can check, and says why.
    expect(await page.getByTestId('fit-blocked').textContent()).toMatch(/LoRA rank/);
    // The form scrolls smoothly to the field; the picture waits for it.
    await expect.poll(() => field('loraR').evaluate((el) => Math.abs(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2 - window.innerHeight / 2))).toBeLessThan(60);
    await shot('train-field-error-dark');
    // A rule across keys only the server knows: its message lands under the key it names.
    await field('loraR').fill('8');
    await fill({ maxSteps: '4', warmupSteps: '10' });
    await page.getByTestId('run-start').click();
    await errorAt('warmupSteps').waitFor();
    expect(await errorAt('warmupSteps').getAttribute('data-code')).toBe('api.invalidArgs');
    expect(await errorAt('warmupSteps').textContent()).toMatch(/smaller than maxSteps/);
    expect(await errorAt('loraR').count()).toBe(0);
    // Not a number: caught before sending.
    await field('learningRate').fill('fast');
    await page.getByTestId('run-start').click();
    await errorAt('learningRate').waitFor();
    expect(await errorAt('learningRate').getAttribute('data-code')).toBe('form.notANumber');
    await form.locator('.setting[data-key="learningRate"]').getByRole('button', { name: /Reset to/ }).click();
    expect(await field('learningRate').inputValue()).toBe('0.0002');
  });

  it('checks the fit before starting: verdict, memory bar, suggestion to apply, time estimate', async () => {
    const fit = page.getByTestId('fit-check');
    const verdict = () => fit.getAttribute('data-verdict');
    await fill(SHORT);
    // Checked by itself once the settings settle: the tiny model fits, every arena the plan has is a segment of the bar.
    await expect.poll(verdict, POLL).toBe('fits');
    expect(await fit.getByTestId('fit-verdict').textContent()).toMatch(/Fits/);
    for (const arena of ['weights', 'lora', 'optimizer', 'activations']) expect(await fit.getByTestId(`fit-seg-${arena}`).count(), arena).toBe(1);
    expect(await fit.getByTestId('fit-planned').textContent()).toMatch(/\d(\.\d)? (KiB|MiB) planned/);
    expect(await fit.getByTestId('fit-budget').textContent()).toMatch(/GiB usable/);
    expect(await page.getByTestId('run-start').textContent()).toBe('Start training');
    expect(await page.getByTestId('fit-warning').count()).toBe(0);
    await fit.scrollIntoViewIfNeeded();
    await shot('train-fit-dark');

    // Far too big: a clear "no", what would fit, and Start turns into a warned "Start anyway".
    await fill({ microBatch: '1024', seqLen: '131072' });
    await expect.poll(verdict, POLL).toBe('over');
    expect(await fit.getByTestId('fit-verdict').textContent()).toMatch(/Does not fit/);
    await page.getByTestId('fit-warning').waitFor();
    expect(await page.getByTestId('run-start').textContent()).toBe('Start anyway');
    const suggestion = fit.getByTestId('fit-suggestion');
    expect(await suggestion.textContent()).toMatch(/Micro-batch \d+ with sequence length [\d,]+ would fit \(gradient accumulation \d+ keeps 2,048 sequences per step\)/);
    await fit.scrollIntoViewIfNeeded();
    await shot('train-nofit-dark');
    await page.getByTestId('theme-toggle').click();
    await shot('train-nofit-light');
    await page.getByTestId('theme-toggle').click();

    // Apply: the suggested values land in the form (accumulation keeps the sequences per step), and the check agrees.
    const [, mb, seq] = /Micro-batch (\d+) with sequence length ([\d,]+)/.exec((await suggestion.textContent()) ?? '')!;
    await fit.getByTestId('fit-apply').click();
    expect(await field('microBatch').inputValue()).toBe(mb);
    expect(await field('seqLen').inputValue()).toBe(seq.replace(/,/g, ''));
    expect(Number(await field('microBatch').inputValue()) * Number(await field('gradAccum').inputValue())).toBe(2048);
    await expect.poll(verdict, POLL).toBe('fits');
    expect(await page.getByTestId('run-start').textContent()).toBe('Start training');

    // The time estimate is explicit (it loads the model and runs real micro-batches).
    await fill(SHORT);
    await expect.poll(verdict, POLL).toBe('fits');
    expect(await fit.getByTestId('fit-eta').count()).toBe(0);
    await fit.getByTestId('fit-calibrate').click();
    const eta = fit.getByTestId('fit-eta');
    await eta.waitFor({ timeout: 60_000 });
    expect(await eta.textContent()).toMatch(new RegExp(`About (\\d+s|a second) for ${STEPS} steps.*[\\d.]+ s per step.*38 training examples`));
    await shot('train-fit-eta-dark');
    // Changing a setting makes the estimate stale; changing it back shows it again without re-timing.
    await field('gradAccum').fill('3');
    await expect.poll(() => eta.count()).toBe(0);
    await field('gradAccum').fill(SHORT.gradAccum);
    await eta.waitFor();
  }, TRAINS);

  it('starts a run from the UI and follows it on the dashboard to completion, with every chart', async () => {
    await page.getByTestId('run-name-input').fill('Tiny sums');
    await page.getByTestId('run-start').click();
    await dash().waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(/#\/train\/run-[a-z0-9-]+$/);
    runUrl = page.url();
    expect(await page.getByTestId('run-title').textContent()).toBe('Tiny sums');
    await expect.poll(status, { timeout: 120_000, interval: 100 }).toMatch(/^(completed|failed|cancelled|interrupted)$/);
    if ((await status()) !== 'completed') throw new Error(`the run ended ${await status()}: ${await dash().getByTestId('run-failure').textContent().catch(() => '')}`);

    expect(await dash().getByTestId('run-step').textContent()).toBe(`${STEPS} / ${STEPS}`);
    const loss = dash().getByTestId('chart-loss');
    // Every step has a train loss; eval loss at the step-0 baseline, at 4 and at 8.
    await expect.poll(() => count(loss, 'loss')).toBe(STEPS);
    expect(await count(loss, 'evalloss')).toBe(3);
    expect(await loss.getAttribute('data-first-step')).toBe('0');
    expect(await loss.locator('.recharts-line-curve').count()).toBe(2);
    // Training-only charts start at step 1 (the baseline has no learning rate, gradient or throughput).
    for (const [id, series] of [['chart-lr', 'lr'], ['chart-grad', 'gradnorm'], ['chart-tps', 'tokenspersecond']]) {
      const chart = dash().getByTestId(id);
      expect(await count(chart, series), id).toBe(STEPS);
      expect(await chart.getAttribute('data-first-step'), id).toBe('1');
    }
    // Memory: the engine's peak at every step against the plan it was held to.
    const memory = dash().getByTestId('chart-memory');
    expect(await count(memory, 'memorybytes')).toBe(STEPS);
    await expect.poll(() => count(memory, 'plannedbytes')).toBe(STEPS);
    expect(await memory.locator('.recharts-line-curve').count()).toBe(2);
    await expect.poll(() => dash().getByTestId('checkpoint-row').count()).toBe(2);
    expect(await dash().getByTestId('run-failure').count()).toBe(0);
    expect(await dash().getByTestId('run-eta').textContent()).toMatch(/^[\d.]+s$/);
    await dash().getByTestId('run-log').locator('summary').click();
    await expect.poll(() => dash().getByTestId('run-log').textContent()).toContain(`completed ${STEPS} steps`);
    // The log names the engine's backend; a finished run says what comes next, with its adapter's folder.
    expect(await dash().getByTestId('run-log').textContent()).toMatch(/engine: cpu \(/);
    expect(await dash().getByTestId('adapter-path').textContent()).toMatch(/[\\/]adapter$/);
    expect(await dash().getByTestId('next-evaluate').getAttribute('href')).toBe('#/evaluate');
    // Try it: the adapter answers a prompt right here (streamed from the engine).
    await dash().getByTestId('try-it-prompt').fill('What is 2 + 2?');
    await dash().getByTestId('try-it-send').click();
    await expect.poll(async () => (await dash().getByTestId('try-it-answer').textContent())?.length ?? 0, { timeout: 60_000 }).toBeGreaterThan(1);
    await expect.poll(() => dash().getByTestId('try-it-send').textContent(), { timeout: 60_000 }).toBe('Ask');
    // The full resolved settings and the command that starts the same run from a terminal.
    await dash().getByTestId('run-settings').locator('summary').click();
    expect(await dash().getByTestId('run-cli').textContent()).toMatch(/^lathe train --config \S*config\.yaml$/);
    expect(await dash().getByTestId('run-yaml').textContent()).toMatch(/^loraR: \d+$/m);
    await tallShot('train-dashboard-dark');
  }, TRAINS);

  it('survives a reload (history, log and plan reloaded) and lists the run in the project', async () => {
    const steps = await page.getByTestId('run-step').textContent();
    await page.reload();
    await dash().waitFor();
    expect(page.url()).toBe(runUrl);
    expect(await status()).toBe('completed');
    expect(await page.getByTestId('run-step').textContent()).toBe(steps);
    // The log comes back from the run's log.txt, not only from live lines.
    await expect.poll(() => dash().getByTestId('run-log').getAttribute('data-lines')).not.toBe('0');
    const log = (await dash().getByTestId('run-log').textContent()) ?? '';
    expect(log).toContain(`starting: ${STEPS} steps`);
    expect(log).toContain(`completed ${STEPS} steps`);
    // The plan is not stored with the metrics: the dashboard asks the (cheap) fit check for it.
    await expect.poll(() => count(dash().getByTestId('chart-memory'), 'plannedbytes'), POLL).toBe(STEPS);
    await page.getByTestId('theme-toggle').click();
    await dash().getByTestId('run-log').locator('summary').click();
    await tallShot('train-dashboard-light');
    await page.getByTestId('theme-toggle').click();

    await page.getByTestId('runs-back').click();
    const row = page.getByTestId('run-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getByTestId('run-name').textContent()).toBe('Tiny sums');
    expect(await row.getByTestId('run-status').getAttribute('data-status')).toBe('completed');
    await shot('train-runs-dark');
    await page.getByTestId('theme-toggle').click();
    await shot('train-runs-light');
    await page.getByTestId('theme-toggle').click();
    // N opens the New run form (as on the Projects page); Back returns to the list.
    await page.keyboard.press('n');
    await page.getByTestId('new-run-form').waitFor();
    await page.goBack();
    await row.first().waitFor();
    await row.getByRole('button', { name: 'Open run Tiny sums' }).click();
    await dash().waitFor();
    expect(app.errors).toEqual([]);
  });

  async function startLong(name: string): Promise<void> {
    await page.getByTestId('new-run').click();
    await page.getByTestId('run-dataset').fill(datasetFile);
    await page.getByTestId('run-name-input').fill(name);
    await page.getByTestId('preset-quick').click();
    await page.getByTestId('advanced-toggle').click();
    await fill(LONG);
    await page.getByTestId('run-start').click();
    await dash().waitFor();
    expect(await page.getByTestId('run-title').textContent()).toBe(name);
  }

  it('re-attaches after a reload mid-run, pauses (the step stops), resumes and completes', async () => {
    await startLong('Long run');
    await expect.poll(step, POLL).toBeGreaterThanOrEqual(5);
    expect(await status()).toBe('running');
    await expect.poll(() => count(dash().getByTestId('chart-loss'), 'loss')).toBeGreaterThanOrEqual(5);
    // The time left comes from the steps' timestamps.
    await expect.poll(() => dash().getByTestId('run-eta').textContent()).toMatch(/^(<1s|\d+s|\d+m \d\ds)$/);
    await tallShot('train-running-dark');

    // Reload mid-run: the dashboard loads the history and keeps following live events.
    const before = await step();
    await page.reload();
    await dash().waitFor();
    expect(await step()).toBeGreaterThanOrEqual(before);
    await expect.poll(step, POLL).toBeGreaterThan(before + 2);
    expect(await status()).toBe('running');
    await expect.poll(() => count(dash().getByTestId('chart-loss'), 'loss')).toBeGreaterThanOrEqual(before);

    // Pause: stops after the current step with a checkpoint; the step no longer moves.
    await dash().getByTestId('run-pause').click();
    await expect.poll(status, POLL).toBe('paused');
    // Paused between steps, the run checkpoints where it stopped; inside a step, it falls back to its newest checkpoint.
    // (The checkpoint list is re-read once the job has finished stopping.)
    await page.waitForTimeout(1500);
    const pausedAt = await step();
    expect(pausedAt).toBeLessThan(LONG_STEPS);
    await expect.poll(() => dash().getByTestId('checkpoint-row').filter({ hasText: `Step ${pausedAt}` }).count(), POLL).toBe(1);
    await page.waitForTimeout(1500);
    expect(await step()).toBe(pausedAt);
    expect(await dash().getByTestId('run-pause').count()).toBe(0);
    expect(await dash().getByTestId('run-resume-from').textContent()).toContain(`Resume continues from the checkpoint at step ${pausedAt}`);
    await tallShot('train-paused-dark');

    // Resume continues from the pause checkpoint to the end.
    await dash().getByTestId('run-resume').click();
    await expect.poll(status, POLL).toMatch(/^(queued|running|completed)$/);
    await expect.poll(status, { timeout: 120_000, interval: 100 }).toBe('completed');
    expect(await dash().getByTestId('run-step').textContent()).toBe(`${LONG_STEPS} / ${LONG_STEPS}`);
    // One point per step, whatever was re-trained after the resume.
    await expect.poll(() => count(dash().getByTestId('chart-loss'), 'loss')).toBe(LONG_STEPS);
    expect(app.errors).toEqual([]);
  }, TRAINS);

  it('cancels mid-run and keeps the last checkpoint, which resume can use', async () => {
    await startLong('Cancelled run');
    await expect.poll(step, POLL).toBeGreaterThanOrEqual(7);
    await dash().getByTestId('run-cancel').click();
    // Two unambiguous choices: keep training, or cancel the run ("Cancel" alone could mean either).
    expect(await page.getByTestId('confirm-keep').textContent()).toBe('Keep training');
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(status, POLL).toBe('cancelled');
    // As for a pause: the checkpoint list is re-read once the job has finished stopping.
    await page.waitForTimeout(1500);
    const at = await step();
    expect(at).toBeLessThan(LONG_STEPS);
    await expect.poll(() => dash().getByTestId('checkpoint-row').count(), POLL).toBeGreaterThan(0);
    const newest = Number(/Step (\d+)/.exec((await dash().getByTestId('checkpoint-row').first().textContent()) ?? '')?.[1]);
    expect(newest).toBeGreaterThanOrEqual(5);
    expect(newest).toBeLessThanOrEqual(at);
    expect(await dash().getByTestId('run-resume').count()).toBe(1);
    expect(await dash().getByTestId('run-cancel').count()).toBe(0);
    expect(await dash().getByTestId('run-resume-from').textContent()).toContain(`from the checkpoint at step ${newest}`);

    await page.getByTestId('runs-back').click();
    const rows = page.getByTestId('run-row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.getByTestId('run-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['cancelled', 'completed', 'completed']);
    await shot('train-runs-final-dark');
    expect(app.errors).toEqual([]);
  }, TRAINS);

  it('clones a run into the New run form, renames one and deletes one (asking first)', async () => {
    const rows = page.getByTestId('run-row');
    // Clone: the form opens with the run's settings, model and dataset, under a new name.
    await rows.filter({ hasText: 'Cancelled run' }).getByRole('button', { name: /Open run/ }).click();
    await dash().waitFor();
    await dash().getByTestId('run-clone').click();
    await page.getByTestId('new-run-form').waitFor();
    expect(await page.getByTestId('run-name-input').inputValue()).toBe('Cancelled run (copy)');
    expect(await page.getByTestId('run-dataset').inputValue()).toBe(datasetFile);
    await page.getByTestId('advanced-toggle').click();
    expect(await field('maxSteps').inputValue()).toBe(String(LONG_STEPS));
    await page.getByTestId('new-run-cancel').click();
    // Rename, in place.
    await rows.filter({ hasText: 'Cancelled run' }).getByRole('button', { name: /Open run/ }).click();
    await dash().getByTestId('run-rename').click();
    await page.getByTestId('run-rename-input').fill('Stopped early');
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => dash().getByTestId('run-title').textContent()).toBe('Stopped early');
    // Delete asks first and says what goes; keeping it changes nothing.
    await dash().getByTestId('run-delete').click();
    expect(await page.getByTestId('confirm-dialog').textContent()).toMatch(/checkpoint.*adapter.*log.*cannot be undone/s);
    await page.getByTestId('confirm-keep').click();
    await dash().getByTestId('run-delete').click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete run' }).click();
    await page.getByTestId('run-list').waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByTestId('run-list').textContent()).not.toContain('Stopped early');
    // Compare the two left: both loss curves on one chart, the settings that differ marked.
    expect(await page.getByTestId('compare-open').isDisabled()).toBe(true);
    for (const box of await page.getByTestId('compare-check').all()) await box.check();
    await page.getByTestId('compare-open').click();
    const cmp = page.getByTestId('compare-runs');
    await cmp.waitFor();
    await expect.poll(() => cmp.getByTestId('compare-loss').locator('.recharts-line-curve').count()).toBe(2);
    expect(await cmp.locator('tr[data-key="maxSteps"]').getAttribute('data-diff')).toBe('true');
    expect(await cmp.locator('tr[data-key="learningRate"]').getAttribute('data-diff')).toBeNull();
    await shot('train-compare-dark');
    await cmp.getByTestId('compare-back').click();
    await page.getByTestId('run-list').waitFor();
    expect(app.errors).toEqual([]);
  }, TRAINS);

  it('trains on a mixture of two datasets chosen in the form, with the shares in the log', async () => {
    const other = join(dataDir, 'words.jsonl');
    writeFileSync(other, Array.from({ length: 20 }, (_, i) => JSON.stringify({ instruction: `Spell ${i}.`, output: `number ${i}` })).join('\n') + '\n');
    await page.getByTestId('new-run').click();
    await page.getByTestId('run-dataset').fill(datasetFile);
    await page.getByTestId('run-name-input').fill('Mixed');
    await page.getByTestId('advanced-toggle').click();
    await fill(SHORT);
    const mixture = page.getByTestId('cfg-mixture');
    await mixture.getByRole('button', { name: 'Add a dataset to the mix' }).click();
    // An unfinished row is named at its field before anything is sent.
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.locator('[data-key="mixture"]').getAttribute('class')).toContain('is-invalid');
    await mixture.getByLabel('Mixture dataset 1', { exact: true }).fill(other);
    await mixture.getByLabel('Weight of mixture dataset 1', { exact: true }).fill('3');
    await screenshot(page, 'train-mixture-form');
    await page.getByTestId('run-start').click();
    await dash().waitFor();
    await expect.poll(status, { timeout: 120_000, interval: 100 }).toMatch(/^(completed|failed|cancelled|interrupted)$/);
    expect(await status()).toBe('completed');
    await dash().getByTestId('run-log').locator('summary').click();
    const log = (await dash().getByTestId('run-log').textContent()) ?? '';
    // 38 + 19 training examples at 1:3 over an epoch of 57: 25% and 75%.
    expect(log).toContain('mixture of 2 datasets, 57 examples per epoch');
    expect(log).toMatch(/words\.jsonl: weight 3 -> 75\.4% of the epoch \(asked 75\.0%\)/);
    expect(app.errors).toEqual([]);
  }, TRAINS);
});
