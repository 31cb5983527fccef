// The damaged-library screen in web mode: `lathe serve` on a library whose database was truncated opens on a screen
// that says so; "Rebuild the library" restores the index from the folders and the app opens with the projects back.
// A second server on the same library opens on a screen that names the first.
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAndOpenProject, describeBrowser, launchBrowser, openPage, screenshot, startServer, type LatheServer } from './harness';

describeBrowser('damaged library (web mode)', () => {
  const home = mkdtempSync(join(tmpdir(), 'lathe-e2e-damaged-'));
  let server: LatheServer | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // A library with one project, then its database cut short (as a crash of the disk or a bad copy would leave it).
    const first = await startServer({ home });
    browser = await launchBrowser();
    page = (await openPage(browser, first.url)).page;
    await createAndOpenProject(page, 'Survivor');
    await first.stop();
    truncateSync(join(home, 'library.sqlite'), 4096);
    server = await startServer({ home });
    page = (await openPage(browser, server.url)).page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('opens on the damaged-library screen and rebuilds the library from its folders', async () => {
    const screen = page.getByTestId('library-problem');
    await screen.waitFor();
    expect(await screen.textContent()).toMatch(/library index is damaged.*lathe library rebuild/s);
    expect(server!.output()).toMatch(/warning: The library database .* is damaged/);
    await screenshot(page, 'library-damaged');
    await page.getByTestId('library-rebuild').click();
    await page.getByTestId('library-rebuilt').waitFor();
    expect(await page.getByTestId('library-rebuilt').textContent()).toMatch(/1 project\(s\), 0 dataset\(s\), 0 run\(s\).*library\.sqlite\.damaged-/);
    await page.getByTestId('library-open').click();
    // The app opens with the project back in its list.
    await page.goto(new URL('#/projects', page.url()).toString());
    await page.getByTestId('project-name').getByText('Survivor', { exact: true }).waitFor();
    await screenshot(page, 'library-rebuilt');
  });

  it('a second `lathe serve` on the same library opens on a screen naming the first, and changes nothing', async () => {
    const second = await startServer({ home });
    try {
      const other = (await openPage(browser, second.url)).page;
      const screen = other.getByTestId('library-problem');
      await screen.waitFor();
      expect(await screen.textContent()).toMatch(/cannot be opened.*already open in lathe serve \(PID \d+/s);
      expect(await other.getByTestId('library-rebuild').count()).toBe(0);
      await other.close();
    } finally {
      await second.stop();
    }
    // The first server still has the library.
    await page.reload();
    await page.getByTestId('project-name').getByText('Survivor', { exact: true }).waitFor();
  });
});
