// End-to-end harness: starts the real `lathe serve` on a fresh library (LATHE_HOME in a temp dir), drives Debian's
// Chromium with playwright-core, collects page errors, saves screenshots, and cleans everything up.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

export const CHROMIUM = process.env.LATHE_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = join(root, 'test/e2e/artifacts');
const browserFound = existsSync(CHROMIUM);
const requireBrowser = process.env.LATHE_REQUIRE_BROWSER === '1';

let warned = false;
/**
 * `describe` for browser tests. Without Chromium: skipped with a loud message, or a failing test when
 * LATHE_REQUIRE_BROWSER=1 (CI), so a missing browser can never pass silently there.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (browserFound) {
    describe(name, fn);
    return;
  }
  const how = `Install it with \`apt-get install chromium\` (Debian/Ubuntu) or point LATHE_CHROMIUM at a Chrome/Chromium binary.`;
  if (requireBrowser) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`LATHE_REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}. ${how}`);
      });
    });
    return;
  }
  if (!warned) {
    warned = true;
    const bar = '!'.repeat(100);
    console.warn(`\n${bar}\n!!! BROWSER END-TO-END TESTS SKIPPED: no Chromium at ${CHROMIUM}.\n!!! ${how}\n${bar}\n`);
  }
  describe.skip(name, fn);
}

// ---------- the server ----------

export interface LatheServer {
  /** The URL `lathe serve` printed, token included. */
  url: string;
  origin: string;
  token: string;
  home: string;
  /** The server process (its children include the engine host). */
  pid: number;
  /** Everything the server wrote so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

const READY = /Lathe web UI: (http:\/\/\S+)/;

export async function startServer(opts: { home?: string; timeoutMs?: number } = {}): Promise<LatheServer> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'lathe-e2e-'));
  const ownsHome = !opts.home;
  const proc: ChildProcess = spawn(process.execPath, [join(root, 'bin/lathe.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, LATHE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`lathe serve printed no URL within ${opts.timeoutMs ?? 30_000} ms. Output:\n${out}`)), opts.timeoutMs ?? 30_000);
    const onData = () => {
      const m = READY.exec(out);
      if (m) finish(null, m[1]);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`lathe serve exited (code ${code}, signal ${signal}) before it was ready. Output:\n${out}`));
    function finish(err: Error | null, value?: string): void {
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.off('exit', onExit);
      if (err) {
        proc.kill('SIGKILL');
        reject(err);
      } else resolve(value!);
    }
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
  });

  const parsed = new URL(url);
  let stopped: Promise<void> | undefined;
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    home,
    pid: proc.pid!,
    output: () => out,
    stop() {
      stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        }
        if (ownsHome) rmSync(home, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

// ---------- the browser ----------

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface AppSession {
  server: LatheServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors seen so far (CSP violations show up here too). */
  errors: string[];
  close(): Promise<void>;
}

/** A page on the served app; `colorScheme` sets what prefers-color-scheme reports. */
export async function openPage(browser: Browser, url: string, opts: { colorScheme?: 'dark' | 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'dark' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, errors };
}

export async function startApp(opts: { colorScheme?: 'dark' | 'light' } = {}): Promise<AppSession> {
  const server = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const { context, page, errors } = await openPage(browser, server.url, opts);
    return {
      server,
      browser,
      context,
      page,
      errors,
      async close() {
        await browser!.close().catch(() => {});
        await server.stop();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw err;
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  // Finite CSS animations (dialog and toast fade-ins) are fast-forwarded so the picture shows the settled screen.
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

// ---------- shared steps ----------

/** Creates a project through the Projects page; it opens itself and the app moves on to the Model step. */
export async function createAndOpenProject(page: Page, name: string): Promise<void> {
  await page.goto(new URL('#/projects', page.url()).toString());
  const first = page.getByRole('button', { name: 'Create your first project' });
  const more = page.getByTestId('new-project');
  await first.or(more).first().click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.keyboard.press('Enter');
  await page.getByTestId('active-project').getByText(name).waitFor();
  await page.getByTestId('model-page').waitFor();
}
