// Accessibility: axe-core (WCAG 2.x A/AA rules) on every step of the app in both themes, with a project open so the
// steps show their real content. Any serious or critical finding fails, named with the element it is about.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAndOpenProject, describeBrowser, launchBrowser, openPage, startServer, type LatheServer } from './harness';

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol: the app's CSP (script-src 'self') rightly refuses an injected <script>.
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PAGES = ['projects', 'model', 'data', 'train', 'evaluate', 'export'];

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => Number(v) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

interface Finding { id: string; impact: string; help: string; nodes: string[] }

async function audit(page: Page): Promise<Finding[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

describeBrowser('accessibility (axe-core, web mode)', () => {
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

  it('every step starts at the same left edge, from 1024 to 1920 pixels wide (the Train step is only wider)', async () => {
    for (const [width, height] of [[1024, 700], [1400, 900], [1920, 1080]]) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(server.url);
      await createAndOpenProject(page, `edges ${width}`);
      const lefts: number[] = [];
      for (const name of PAGES) {
        await page.goto(new URL(`#/${name}`, page.url()).toString());
        await page.getByTestId(`${name}-page`).waitFor();
        lefts.push(await page.locator('#page-title').first().evaluate((e) => Math.round(e.getBoundingClientRect().left)));
      }
      expect(new Set(lefts).size, `${width}px: ${PAGES.map((p, i) => `${p} ${lefts[i]}`).join(', ')}`).toBe(1);
      await context.close();
    }
  }, 120_000);

  for (const scheme of ['light', 'dark'] as const) {
    it(`every step has no serious or critical axe finding (${scheme})`, async () => {
      const { page, context } = await openPage(browser, server.url, { colorScheme: scheme });
      await createAndOpenProject(page, `a11y ${scheme}`);
      const found: string[] = [];
      for (const name of PAGES) {
        await page.goto(new URL(`#/${name}`, page.url()).toString());
        await page.getByTestId(`${name}-page`).waitFor();
        await page.waitForTimeout(300);  // lazy chunks and queries settle
        for (const f of await audit(page)) {
          if (f.impact === 'serious' || f.impact === 'critical') found.push(`${name} (${scheme}): ${f.id} [${f.impact}] ${f.help} at ${f.nodes.join(' | ')}`);
        }
      }
      expect(found, found.join('\n')).toEqual([]);
      // Focus is visible on this theme's background: a solid ring at 3:1 or more (WCAG 2.2 focus appearance).
      await page.keyboard.press('Tab');
      const { ring, bg, style } = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const cs = getComputedStyle(el);
        return { ring: cs.outlineColor, style: cs.outlineStyle, bg: getComputedStyle(document.body).backgroundColor };
      });
      expect(style).toBe('solid');
      expect(contrast(ring, bg), `focus ring ${ring} on ${bg}`).toBeGreaterThanOrEqual(3);
      await context.close();
    }, 120_000);
  }
});
