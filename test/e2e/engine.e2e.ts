// Killing the engine host from outside: the UI reports the crash with its signal, and the app keeps working.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeBrowser, screenshot, startApp, type AppSession } from './harness';

/** Child process ids of `pid` (Linux `ps`); the engine host is forked by the server. */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are no children.
  }
}

describeBrowser('engine host crash (web mode)', () => {
  let app: AppSession;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows the crash with its signal, and projects still work', async () => {
    // The status bar's system.info starts the engine host.
    await expect.poll(() => page.getByTestId('status-backends').textContent(), { timeout: 30_000 }).toMatch(/CPU/);
    const hosts = childPids(app.server.pid);
    expect(hosts.length).toBeGreaterThan(0);
    for (const pid of hosts) process.kill(pid, 'SIGKILL');

    const toast = page.getByTestId('toast-error');
    await toast.waitFor({ timeout: 15_000 });
    expect(await toast.textContent()).toMatch(/engine host process was killed by signal SIGKILL/);
    await screenshot(page, 'engine-crash-dark');

    // Main (the server) is still up and answering.
    await page.getByRole('button', { name: 'Create your first project' }).click();
    await page.getByLabel('Name', { exact: true }).fill('After the crash');
    await page.keyboard.press('Enter');
    // A new project opens itself on the Model step; come back to the list.
    await page.getByTestId('model-page').waitFor();
    await page.keyboard.press('Control+1');
    await page.getByTestId('project-name').getByText('After the crash').waitFor();
    expect(await page.getByTestId('status-connection').textContent()).toBe('Connected');

    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await toast.waitFor({ state: 'detached' });
    expect(app.errors).toEqual([]);
  });
});
