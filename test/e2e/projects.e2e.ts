// Projects end to end through web mode: empty state, create, reload (persisted), rename, delete with confirmation,
// and the server's validation errors shown inline.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeBrowser, screenshot, startApp, type AppSession } from './harness';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describeBrowser('projects (web mode)', () => {
  let app: AppSession;
  let page: Page;

  beforeAll(async () => {
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
  });

  const rows = () => page.getByTestId('project-row');
  const rowNamed = (name: string) => rows().filter({ has: page.getByTestId('project-name').getByText(name, { exact: true }) });
  const names = () => page.getByTestId('project-name').allTextContents();

  it('opens on the Projects step with an empty library', async () => {
    await page.getByTestId('projects-empty').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Projects');
    expect(await page.title()).toBe('Projects · Lathe');
    // The token moved from the address bar to sessionStorage.
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.getItem('lathe.token'))).toBe(app.server.token);
    const steps = await page.getByRole('navigation', { name: 'Wizard steps' }).locator('.nav-label').allTextContents();
    // The five wizard steps, then Help's Learn page.
    expect(steps).toEqual(['Projects', 'Model', 'Data', 'Train', 'Evaluate', 'Export', 'Learn']);
    await screenshot(page, 'projects-empty-dark');
  });

  it('shows the engine backends and the app version in the status bar', async () => {
    const backends = page.getByTestId('status-backends');
    await expect.poll(() => backends.textContent(), { timeout: 30_000 }).toMatch(/Backends.*CPU/);
    expect(await page.getByTestId('status-cpu').textContent()).toMatch(/^CPU/);
    expect(await page.getByTestId('status-gpu').textContent()).toMatch(/^GPU/);
    expect(await page.getByTestId('status-version').textContent()).toBe(`Lathe ${pkg.version}`);
    expect(await page.getByTestId('status-connection').textContent()).toBe('Connected');
  });

  it('shows the server’s error and hint inline for an empty name, and keeps the form open', async () => {
    await page.getByRole('button', { name: 'Create your first project' }).click();
    const form = page.getByTestId('create-form');
    await form.waitFor();
    // The name field has focus, so typing works straight away.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('project-name');
    await page.getByLabel('Name', { exact: true }).fill('   ');
    await page.getByTestId('create-submit').click();
    const error = form.getByTestId('field-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('api.invalidArgs');
    expect(await error.locator('.field-error-message').textContent()).toBe('Name must not be empty.');
    // The server's hint (how to fix it) is shown under the message.
    expect((await error.locator('.field-error-hint').textContent())?.length).toBeGreaterThan(5);
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // It clears as soon as the name is valid, before anything is sent again.
    await page.getByLabel('Name', { exact: true }).fill('Fine name');
    await expect.poll(() => form.getByTestId('field-error').count()).toBe(0);
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await page.getByLabel('Name', { exact: true }).fill('');
  });

  it('shows the server’s error for a 500-character name', async () => {
    await page.getByLabel('Name', { exact: true }).fill('x'.repeat(500));
    await page.getByTestId('create-submit').click();
    const error = page.getByTestId('create-form').getByTestId('field-error');
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toContain('Name must be at most 120 characters.');
    await screenshot(page, 'projects-create-error-dark');
    expect(await rows().count()).toBe(0);
  });

  it('creates projects', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Support assistant');
    await page.getByLabel('Description').fill('Answers billing questions in our tone of voice');
    await page.getByTestId('create-submit').click();
    // A new project opens itself and the wizard moves on to the Model step.
    await page.getByTestId('model-page').waitFor();
    expect(await page.getByTestId('active-project').textContent()).toContain('Support assistant');
    expect(page.url()).toMatch(/#\/model$/);
    await page.keyboard.press('Control+1');
    await rowNamed('Support assistant').waitFor();
    expect(await page.getByTestId('create-form').count()).toBe(0);

    // Keyboard: N opens the form, Enter submits.
    await page.keyboard.press('n');
    await page.getByLabel('Name', { exact: true }).waitFor();
    await page.keyboard.type('Legal summaries');
    await page.keyboard.press('Enter');
    await page.getByTestId('active-project').getByText('Legal summaries').waitFor();
    await page.keyboard.press('Control+1');
    await rowNamed('Legal summaries').waitFor();
    // Most recently updated first.
    expect(await names()).toEqual(['Legal summaries', 'Support assistant']);
  });

  it('keeps projects across a reload', async () => {
    await page.reload();
    await rows().first().waitFor();
    expect(await names()).toEqual(['Legal summaries', 'Support assistant']);
    expect(await rowNamed('Support assistant').textContent()).toContain('Answers billing questions');
    await screenshot(page, 'projects-list-dark');
  });

  it('renames a project in place, with inline errors, and the new name persists', async () => {
    const row = rowNamed('Support assistant');
    await row.hover();
    await page.getByRole('button', { name: 'Rename Support assistant' }).click();
    const input = page.getByTestId('rename-input');
    await input.fill('');
    await input.press('Enter');
    const error = page.getByTestId('project-row').getByTestId('field-error');
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toContain('Name must not be empty.');
    await screenshot(page, 'projects-rename-error-dark');

    // Escape abandons the edit.
    await input.fill('Never saved');
    await input.press('Escape');
    expect(await page.getByTestId('rename-input').count()).toBe(0);
    expect(await names()).toContain('Support assistant');

    await page.getByRole('button', { name: 'Rename Support assistant' }).click();
    await page.getByTestId('rename-input').fill('Billing assistant');
    await page.getByTestId('rename-input').press('Enter');
    await rowNamed('Billing assistant').waitFor();
    await page.reload();
    await rows().first().waitFor();
    expect((await names()).sort()).toEqual(['Billing assistant', 'Legal summaries']);
  });

  it('deletes a project only after confirmation', async () => {
    await rowNamed('Legal summaries').hover();
    await page.getByRole('button', { name: 'Delete Legal summaries' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('heading').textContent()).toBe('Delete “Legal summaries”?');
    // Cancel is focused first so Enter cannot delete by accident.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await screenshot(page, 'projects-delete-confirm-dark');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await names()).toContain('Legal summaries');

    await rowNamed('Legal summaries').hover();
    await page.getByRole('button', { name: 'Delete Legal summaries' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
    await rowNamed('Legal summaries').waitFor({ state: 'detached' });
    await page.reload();
    await rows().first().waitFor();
    expect(await names()).toEqual(['Billing assistant']);
  });

  it('opens a project: it shows in the sidebar and the wizard moves to the Model step', async () => {
    await page.locator('.project-open', { hasText: 'Billing assistant' }).click();
    await page.getByTestId('model-page').waitFor();
    expect(await page.getByTestId('active-project').textContent()).toContain('Billing assistant');
    expect(page.url()).toMatch(/#\/model$/);
    await screenshot(page, 'model-planned-dark');
    // Ctrl+1 goes back to Projects.
    await page.keyboard.press('Control+1');
    await page.getByTestId('projects-page').waitFor();
    // Deleting the open project closes it.
    await rowNamed('Billing assistant').hover();
    await page.getByRole('button', { name: 'Delete Billing assistant' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
    await page.getByTestId('projects-empty').waitFor();
    expect(await page.getByTestId('active-project').textContent()).toContain('None open');
  });

  it('raised no page errors (including CSP violations)', () => {
    expect(app.errors).toEqual([]);
  });
});
