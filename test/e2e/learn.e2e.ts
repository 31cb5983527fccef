// The Learn page in web mode on the demo model (no project model chosen): every section renders and its demo runs
// for real (next-token table, one training step that lowers the loss, gap filling, the memory chart against this
// machine's memory), the lifecycle strip works from the keyboard, charts carry text alternatives, and a full-page
// screenshot is saved for review by eye.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, describeBrowser, startApp, type AppSession } from './harness';

const POLL = { timeout: 120_000 };

describeBrowser('learn page (web mode, demo model)', () => {
  let app: AppSession;
  let page: Page;

  beforeAll(async () => {
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => console.error(`--- lathe serve output (tail) ---\n${app.server.output().slice(-3000)}`));
  });

  it('opens from the sidebar and says which model it runs on', async () => {
    await page.getByTestId('nav-learn').click();
    await page.getByTestId('learn-page').waitFor();
    await expect.poll(() => page.getByTestId('learn-model').textContent()).toContain('demo model');
    for (const id of ['next-token', 'masked', 'sft', 'lifecycle', 'approaches', 'lever', 'pitfalls']) await page.getByTestId(`learn-${id}`).waitFor();
  });

  it('next token: a row per position with top guesses, then one step lowers the summed loss', async () => {
    await page.getByTestId('learn-nt-text').fill('The cat sat on the mat.');
    await page.getByTestId('learn-nt-run').click();
    await page.getByTestId('learn-nt-table').waitFor(POLL);
    const rows = await page.getByTestId('learn-nt-table').locator('tbody tr').count();
    expect(rows).toBeGreaterThan(4);
    expect(await page.getByTestId('learn-nt-table').locator('tbody tr').first().locator('li').count()).toBe(5);
    await page.getByTestId('learn-step-run').click();
    await page.getByTestId('learn-step-result').waitFor(POLL);
    const text = (await page.getByTestId('learn-step-result').textContent()) ?? '';
    const [before, after] = [...text.matchAll(/(\d+\.\d{3}) (before|after)/g)].map((m) => Number(m[1]));
    expect(after).toBeLessThan(before);
    expect(text).toContain('(down by');
  });

  it('gap filling ranks the user words and the model guesses by whole-sentence log-prob', async () => {
    await page.getByTestId('learn-mlm-run').click();
    await page.getByTestId('learn-mlm-table').waitFor(POLL);
    expect(await page.getByTestId('learn-mlm-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
  });

  it('full vs LoRA vs QLoRA: three rows from the engine plan, a chart with a text alternative and the memory line', async () => {
    await page.getByTestId('learn-ap-table').waitFor(POLL);
    expect(await page.getByTestId('learn-ap-table').locator('tbody tr').count()).toBe(3);
    const label = await page.getByTestId('learn-ap-chart-alt').getAttribute('aria-label');
    expect(label).toMatch(/Full fine-tuning: .*LoRA \(r=16\): .*Your memory: /);
    await page.getByTestId('learn-ap-rank').selectOption('64');
    await expect.poll(() => page.getByTestId('learn-ap-table').textContent(), POLL).toContain('r=64');
  });

  it('the lifecycle strip and the section links work from the keyboard', async () => {
    await page.getByTestId('learn-stage-sft').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('learn-stage-align');
    expect(await page.getByTestId('learn-stage-panel').textContent()).toContain('dpo');
    await page.keyboard.press('Enter');
    // A "learn why" anchor (as the Model and Evaluate steps use) focuses its section's heading.
    await page.evaluate(() => { window.location.hash = '#/learn/pitfalls'; });
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('learn-pitfalls-title');
    await page.getByRole('navigation', { name: 'Learn sections' }).getByRole('link', { name: 'The lifecycle of a model' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('learn-lifecycle-title');
  });

  it('pitfalls, the lever guide and the SFT section render (no project: they say what they need)', async () => {
    expect(await page.locator('[data-testid^="learn-pitfall-"]').count()).toBe(4);
    // Reward hacking points at a GRPO run's reward chart; without a project there is none, and the link says so.
    expect(await page.getByTestId('learn-pitfall-reward-hacking').getByRole('link').textContent()).toBe('Open Train (no GRPO run in this project yet)');
    await page.getByTestId('learn-advice-empty').waitFor();
    await page.getByTestId('learn-sft-empty').waitFor();
    // The page scrolls inside the app's content pane, so each part is shot in view.
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const id of ['next-token', 'masked', 'approaches', 'lifecycle']) {
      await page.getByTestId(`learn-${id}`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: join(ARTIFACTS, `learn-${id}.png`), animations: 'disabled' });
    }
    expect(app.errors).toEqual([]);
  });
});
