// Managing datasets in the Data step: the demo data one click away, the chosen file named at once, an import that
// says it is done and leads on to Train, the same file again asks first, and datasets renamed, browsed page by page
// and deleted after a confirmation.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';
import { tempDir } from '../helpers/temp-dir';

describeBrowser('datasets (web mode)', () => {
  let app: AppSession;
  let page: Page;
  const items = () => page.getByTestId('dataset-item');

  beforeAll(async () => {
    app = await startApp();
    page = app.page;
    await createAndOpenProject(page, 'Datasets test');
    await page.goto(new URL('#/data', page.url()).toString());
    await page.getByTestId('data-page').waitFor();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('names a chosen file at once', async () => {
    const file = join(tempDir('lathe-e2e-picked-'), 'notes.jsonl');
    writeFileSync(file, `${JSON.stringify({ instruction: 'Say hi', output: 'Hi' })}\n`.repeat(50));
    await page.getByTestId('file-input').setInputFiles(file);
    await expect.poll(() => page.getByTestId('picked-file').textContent()).toMatch(/Chosen: notes\.jsonl · \d+ KB/);
  });

  it('tries the demo data, imports it, says so and leads on to Train', async () => {
    await page.getByTestId('try-demo').click();
    await expect.poll(() => page.getByTestId('detected-format').textContent(), { timeout: 60_000 }).toBe('alpaca');
    await page.getByTestId('import').click();
    await page.getByTestId('import-done').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('import').textContent()).toMatch(/Imported as “contacts-sft\.jsonl”/);
    expect(await page.getByTestId('continue-train').getAttribute('href')).toBe('#/train');
    await expect.poll(() => items().count()).toBe(1);
  });

  it('asks before importing the same file again, and imports a second copy when told to', async () => {
    await page.getByTestId('try-demo').click();
    await page.getByTestId('import').click();
    await page.getByTestId('import-duplicate').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('import-duplicate').textContent()).toMatch(/already in the project as “?"?contacts-sft\.jsonl/);
    await page.getByTestId('duplicate-import').click();
    await page.getByTestId('import-done').waitFor({ timeout: 60_000 });
    await expect.poll(() => items().count()).toBe(2);
  });

  it('renames, shows the rows page by page, and deletes after asking', async () => {
    const first = items().last();
    await first.getByTestId('dataset-rename').click();
    await first.getByTestId('dataset-rename-input').fill('Contact notes');
    await first.getByTestId('dataset-rename-input').press('Enter');
    await expect.poll(() => page.getByTestId('dataset-name').allTextContents()).toContain('Contact notes');
    const named = items().filter({ hasText: 'Contact notes' });
    await named.getByTestId('dataset-view').click();
    await expect.poll(() => named.getByTestId('rows-range').textContent()).toMatch(/^Rows 1–20 of \d+/);
    await named.getByTestId('rows-next').click();
    await expect.poll(() => named.getByTestId('rows-range').textContent()).toMatch(/^Rows 21–40 of/);
    await screenshot(page, 'data-datasets-dark');
    await named.getByTestId('dataset-delete').click();
    expect(await page.getByTestId('confirm-dialog').textContent()).toMatch(/No run uses it/);
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete dataset' }).click();
    await expect.poll(() => items().count()).toBe(1);
    expect(await page.getByTestId('dataset-list').textContent()).not.toContain('Contact notes');
    expect(app.errors).toEqual([]);
  });
});
