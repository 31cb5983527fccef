// The connection as the user sees it: a "disconnected" banner when the server goes away, and a library that is still
// there when `lathe serve` is started again on the same folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, openPage, screenshot, startServer, type LatheServer } from './harness';

describeBrowser('connection (web mode)', () => {
  let browser: Browser;
  let home: string;
  const servers: LatheServer[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'lathe-e2e-conn-'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('shows a banner when the server stops, and the library survives a restart', async () => {
    const first = await startServer({ home });
    servers.push(first);
    const { page, context, errors } = await openPage(browser, first.url);
    await page.getByRole('button', { name: 'Create your first project' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Survives restarts');
    await page.keyboard.press('Enter');
    // A new project opens itself on the Model step; come back to the list.
    await page.getByTestId('model-page').waitFor();
    await page.keyboard.press('Control+1');
    await page.getByTestId('project-name').getByText('Survives restarts').waitFor();
    expect(await page.getByTestId('disconnected-banner').count()).toBe(0);

    await first.stop();
    const banner = page.getByTestId('disconnected-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('Disconnected from the Lathe server');
    expect(await page.getByTestId('status-connection').textContent()).toBe('Offline');
    // The page stays usable: what was loaded is still shown.
    expect(await page.getByTestId('project-name').allTextContents()).toEqual(['Survives restarts']);
    await page.mouse.move(0, 0);
    await screenshot(page, 'disconnected-dark');

    const second = await startServer({ home });
    servers.push(second);
    await page.goto(second.url);
    await page.getByTestId('project-name').getByText('Survives restarts').waitFor();
    expect(await page.getByTestId('disconnected-banner').count()).toBe(0);
    // Failed reconnect attempts are logged by Chromium as console errors; anything else is a bug.
    expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
    await context.close();
  });
});
