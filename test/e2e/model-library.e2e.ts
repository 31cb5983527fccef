// The model library in the browser (web mode): an empty library, the demo model in one click, a project with it
// selected (kept by library id across a reload, the Train step's default); a download from a loopback mock hub with
// live progress and cancel (nothing left behind), then a completed download; the catalog with the engine's fit column.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { repoFromFolder, startMockHub, type MockHub } from '../helpers/mock-hub';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

describeBrowser('model library (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let hub: MockHub;
  const saved = process.env.HF_ENDPOINT;

  beforeAll(async () => {
    hub = await startMockHub({ 'test-org/tiny': repoFromFolder(await tinyModel({ arch: 'llama', tokenizer: 'synthetic' }), 'd'.repeat(40), { 'README.md': '---\nlicense: apache-2.0\n---\n' }) });
    // `lathe serve` inherits the environment: its downloads go to the mock hub on 127.0.0.1.
    process.env.HF_ENDPOINT = hub.endpoint;
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
    await app?.close();
    await hub?.close();
  });

  it('a new project opens on the Model step with an empty library offering the demo model', async () => {
    await createAndOpenProject(page, 'Library test');
    expect(page.url()).toMatch(/#\/model$/);
    await page.getByTestId('library-empty').waitFor();
    await page.getByTestId('model-empty').waitFor();
    await screenshot(page, 'model-library-empty-dark');
  });

  it('one click adds the demo model and selects it for the project, across a reload and in the Train step', async () => {
    await page.getByTestId('model-demo').click();
    const card = page.getByTestId('library-card');
    await card.getByTestId('library-card-chosen').waitFor({ timeout: 60_000 });
    expect(await card.getByTestId('library-card-name').textContent()).toMatch(/demo/i);
    // The fit badge is the engine's plan for this folder against this machine (a tiny model fits in RAM at least).
    await expect.poll(() => card.getByTestId('library-card-fit').getAttribute('data-fit'), { timeout: 30_000 }).toMatch(/^(gpu|cpu)$/);
    const summary = page.getByTestId('model-summary');
    await summary.waitFor();
    expect(await summary.getByTestId('model-chosen').textContent()).toContain('Library test');
    expect(await summary.getByTestId('model-chat-template').getAttribute('data-ok')).toBe('true');
    const demoDir = (await summary.locator('.model-card-path').textContent())!;
    expect(demoDir.startsWith(join(app.server.home, 'models'))).toBe(true);
    await screenshot(page, 'model-library-demo-dark');

    await page.reload();
    await page.getByTestId('library-card-chosen').waitFor();
    await page.getByTestId('model-summary').waitFor();

    await page.getByTestId('nav-train').click();
    await page.getByTestId('new-run-empty').click();
    expect(await page.getByTestId('run-model').inputValue()).toBe(demoDir);

    // The choice lives on the server (by library id): a browser without its local copy gets it when the project opens.
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lathe.model')).forEach((k) => localStorage.removeItem(k)));
    await page.goto(new URL('#/train', page.url()).toString());
    await page.reload();
    await page.getByTestId('new-run-empty').click();
    await expect.poll(() => page.getByTestId('run-model').inputValue()).toBe(demoDir);
    await page.getByTestId('nav-model').click();
  });

  it('downloads from the hub with live progress; cancel leaves nothing behind; a second try completes', async () => {
    hub.throttle(8);
    await page.getByTestId('hub-repo').fill('test-org/tiny');
    await page.getByTestId('hub-download').click();
    const bytes = page.getByTestId('hub-progress-bytes');
    await expect.poll(async () => (await bytes.textContent()) ?? '', { timeout: 30_000 }).toMatch(/^[1-9][\d.]* \S+ of [\d.]+ \S+$/);
    expect(await page.getByTestId('hub-progress').textContent()).toMatch(/ETA/);
    await page.getByTestId('hub-progress').scrollIntoViewIfNeeded();
    await screenshot(page, 'model-download-progress-dark');
    await page.getByTestId('hub-cancel').click();
    await page.getByTestId('hub-cancelled').waitFor();
    expect(await page.getByTestId('hub-progress').count()).toBe(0);
    const downloads = join(app.server.home, 'models', '.downloads');
    expect(existsSync(downloads) ? readdirSync(downloads) : []).toEqual([]);
    expect(await page.getByTestId('library-card').count()).toBe(1);

    hub.throttle(0);
    await page.getByTestId('hub-download').click();
    const pulled = page.getByTestId('library-card').filter({ hasText: 'test-org/tiny' });
    await pulled.getByTestId('library-card-chosen').waitFor({ timeout: 30_000 });
    expect(await pulled.textContent()).toContain('apache-2.0');
    expect(await page.getByTestId('library-card').count()).toBe(2);
  });

  it('a gated or missing repo says what to do', async () => {
    await page.getByTestId('hub-repo').fill('nobody/nothing');
    await page.getByTestId('hub-download').click();
    const error = page.getByTestId('hub-download-section').getByTestId('field-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('hub.notFound');
  });

  it('the catalog shows each model with the engine plan and a fit verdict', async () => {
    await page.getByTestId('catalog-toggle').click();
    const rows = page.getByTestId('catalog-row');
    await rows.first().waitFor({ timeout: 30_000 });
    expect(await rows.count()).toBe(16);
    const cell = rows.filter({ hasText: 'SmolLM2 135M' }).getByTestId('catalog-fit-1024');
    expect(['gpu', 'cpu', 'none']).toContain(await cell.getAttribute('data-fit'));
    expect(Number(await cell.getAttribute('data-planned'))).toBeGreaterThan(100 * 2 ** 20);
    await screenshot(page, 'model-catalog-dark');
    expect(app.errors).toEqual([]);
  });
});
