// Themes end to end: the first theme follows prefers-color-scheme, the toggle switches it, and the choice survives a
// reload. Saves screenshots of the same screens in both themes for review.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, openPage, screenshot, startServer, type LatheServer } from './harness';

describeBrowser('themes (web mode)', () => {
  let server: LatheServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const theme = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme);
  const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  /** Relative luminance 0..1 of an `rgb(r, g, b)` string. */
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };

  it('follows a light OS preference, toggles to dark, and remembers the choice', async () => {
    const { page, context, errors } = await openPage(browser, server.url, { colorScheme: 'light' });
    await page.getByTestId('projects-page').waitFor();
    expect(await theme(page)).toBe('light');
    expect(luminance(await background(page))).toBeGreaterThan(0.9);

    // Some content so the screenshots show a real list, a form error and a dialog.
    for (const [name, description] of [
      ['Support assistant', 'Answers billing questions in our tone of voice'],
      ['Legal summaries', ''],
      ['SQL helper', 'Text to SQL for the analytics warehouse'],
    ]) {
      await page.keyboard.press('n');
      await page.getByLabel('Name', { exact: true }).fill(name);
      if (description) await page.getByLabel('Description').fill(description);
      await page.getByTestId('create-submit').click();
      // A new project opens itself on the Model step; come back to the list.
      await page.getByTestId('model-page').waitFor();
      await page.keyboard.press('Control+1');
      await page.getByTestId('project-name').getByText(name, { exact: true }).waitFor();
    }
    await page.mouse.move(0, 0);
    await screenshot(page, 'projects-list-light');
    await page.keyboard.press('n');
    await page.getByTestId('create-submit').click();
    await page.getByTestId('field-error').waitFor();
    await screenshot(page, 'projects-create-error-light');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Delete SQL helper' }).click();
    await page.getByRole('dialog').waitFor();
    await screenshot(page, 'projects-delete-confirm-light');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    const toggle = page.getByTestId('theme-toggle');
    expect(await toggle.getAttribute('aria-label')).toBe('Switch to dark theme');
    await toggle.click();
    expect(await theme(page)).toBe('dark');
    expect(luminance(await background(page))).toBeLessThan(0.15);
    expect(await toggle.getAttribute('aria-label')).toBe('Switch to light theme');

    await page.reload();
    await page.getByTestId('projects-page').waitFor();
    expect(await theme(page)).toBe('dark');
    await page.getByTestId('project-row').first().waitFor();
    await page.mouse.move(0, 0);
    await screenshot(page, 'projects-list-dark-toggled');
    await page.goto(`${server.origin}/#/train`);
    await page.getByTestId('train-page').waitFor();
    await screenshot(page, 'train-planned-dark');
    await toggle.click();
    await screenshot(page, 'train-planned-light');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('starts dark when the OS prefers dark and nothing is stored', async () => {
    const { page, context, errors } = await openPage(browser, server.url, { colorScheme: 'dark' });
    await page.getByTestId('projects-page').waitFor();
    expect(await theme(page)).toBe('dark');
    expect(await page.evaluate(() => localStorage.getItem('lathe.theme'))).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});
