// The Export step through web mode: train a few steps of a tiny model from the UI, then export the run to GGUF and
// Ollama from the Export step (best checkpoint preselected, sizes estimated first), follow both to completion, and
// check the files on disk and the copyable commands.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

const POLL = { timeout: 120_000, interval: 100 };

describeBrowser('export step (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;
  let dataDir: string;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
    dataDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-export-'));
    const rows = Array.from({ length: 24 }, (_, i) => ({ instruction: `Add ${i} and 3.`, input: '', output: `${i + 3}` }));
    writeFileSync(join(dataDir, 'sums.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    app = await startApp({ colorScheme: 'light' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports a trained run to GGUF and Ollama, with progress, files and copyable commands', async () => {
    await createAndOpenProject(page, 'Export test');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-inspect').click();
    await page.getByTestId('model-summary').waitFor();
    expect(await page.getByTestId('nav-export').locator('.nav-badge').count()).toBe(0);
    // Nothing to export before a run exists.
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-no-runs').waitFor();

    await page.getByTestId('nav-train').click();
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('run-dataset').fill(join(dataDir, 'sums.jsonl'));
    await page.getByTestId('advanced-toggle').click();
    const settings = { seqLen: '64', microBatch: '4', gradAccum: '1', warmupSteps: '1', evalEvery: '2', checkpointEverySteps: '2', maxSteps: '4' };
    for (const [k, v] of Object.entries(settings)) await page.getByTestId(`cfg-${k}`).fill(v);
    await page.getByTestId('run-name-input').fill('Sums');
    await page.getByTestId('run-start').click();
    const status = () => page.getByTestId('run-dashboard').getByTestId('run-status').getAttribute('data-status');
    await expect.poll(status, POLL).toMatch(/^(completed|failed|cancelled|interrupted)$/);
    expect(await status()).toBe('completed');

    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-form').waitFor();
    // The best checkpoint by validation loss is preselected.
    await expect.poll(() => page.getByTestId('export-checkpoint').locator('option:checked').textContent()).toMatch(/\(best\)/);
    await page.getByTestId('export-gguf-quant').selectOption('q8_0');
    // GGUF and Ollama are the default targets; both get a size estimate before anything starts.
    await expect.poll(() => page.getByTestId('size-gguf').textContent(), POLL).toMatch(/≈ \d+(\.\d)? (KiB|MiB)/);
    await expect.poll(() => page.getByTestId('size-ollama').textContent(), POLL).toMatch(/≈ \d+(\.\d)? (KiB|MiB)/);
    expect(await page.getByTestId('size-peft').textContent()).toBe('');
    await screenshot(page, 'export-form-light');

    await page.getByTestId('export-start').click();
    const rows = page.getByTestId('export-row');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    await expect.poll(async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).sort().join(','), POLL).toBe('completed,completed');

    const gguf = page.locator('[data-testid="export-row"][data-format="gguf"]');
    const ggufPath = (await gguf.getByTestId('export-file').locator('code').textContent())!;
    expect(statSync(ggufPath).size).toBeGreaterThan(1000);
    expect(readFileSync(ggufPath).subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(await gguf.getByTestId('export-command').first().textContent()).toBe(`llama-cli -m ${ggufPath} -cnv`);
    // Trained on NF4 and merged into the f32 base: the merge-quality figure is shown.
    expect(await gguf.getByTestId('export-kl').textContent()).toMatch(/KL \d\.\d+e[-+]\d+ per token/);

    const ollama = page.locator('[data-testid="export-row"][data-format="ollama"]');
    const files = await ollama.getByTestId('export-file').locator('code').allTextContents();
    const modelfile = files.find((f) => f.endsWith('Modelfile'))!;
    expect(files.some((f) => f.endsWith('model.gguf'))).toBe(true);
    const text = readFileSync(modelfile, 'utf8');
    expect(text).toMatch(/^FROM \.\/model\.gguf\nTEMPLATE """/);
    expect(text).toContain('PARAMETER stop');
    expect(await ollama.getByTestId('export-command').first().textContent()).toMatch(new RegExp(`^ollama create [a-z0-9._-]+ -f ${modelfile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(existsSync(join(app.server.home, 'exports'))).toBe(true);
    await screenshot(page, 'export-done-light');
  }, 300_000);
});
