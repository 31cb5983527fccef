// The Model step through web mode: errors with hints for bad paths, a tiny generated checkpoint read back with its real
// sizes, the choice remembered per project across a reload and used as the Train step's default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tinyModel } from '../helpers/tiny-model';
import { createAndOpenProject, describeBrowser, screenshot, startApp, type AppSession } from './harness';

describeBrowser('model step (web mode)', () => {
  let app: AppSession;
  let page: Page;
  let modelDir: string;
  let cfg: Record<string, number | boolean | string>;

  beforeAll(async () => {
    modelDir = await tinyModel({ arch: 'llama' });
    cfg = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    app = await startApp({ colorScheme: 'dark' });
    page = app.page;
  });
  afterAll(async () => {
    await app?.close();
  });

  const pathInput = () => page.getByTestId('model-path');
  async function inspect(path: string): Promise<void> {
    await pathInput().fill(path);
    await page.getByTestId('model-inspect').click();
  }

  it('asks for a project first, and is no longer marked "Soon"', async () => {
    await page.getByTestId('nav-model').click();
    await page.getByTestId('needs-project').waitFor();
    expect(await page.getByTestId('nav-model').locator('.nav-badge').count()).toBe(0);
    expect(await page.getByTestId('nav-train').locator('.nav-badge').count()).toBe(0);
  });

  it('shows the server’s error and hint inline for bad paths', async () => {
    await createAndOpenProject(page, 'Model test');
    await page.getByTestId('nav-model').click();
    await page.getByTestId('model-empty').waitFor();
    await screenshot(page, 'model-empty-dark');

    await inspect('models/tiny');
    const error = page.getByTestId('model-page').getByTestId('field-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('models.relativePath');
    expect(await error.locator('.field-error-hint').textContent()).toMatch(/full path/);
    expect(await pathInput().getAttribute('aria-invalid')).toBe('true');

    await inspect(join(modelDir, 'does-not-exist'));
    await expect.poll(() => error.getAttribute('data-code')).toBe('models.notFound');

    // A folder that exists but is not a model: config.json is named, with how to fix it.
    await inspect(join(modelDir, '..'));
    await expect.poll(() => error.getAttribute('data-code')).toBe('model_config_missing');
    expect(await error.locator('.field-error-message').textContent()).toContain('config.json');
    expect((await error.locator('.field-error-hint').textContent())?.length).toBeGreaterThan(10);
    await screenshot(page, 'model-error-dark');
  });

  it('reads a real checkpoint: architecture, sizes, dtype, tokenizer and chat template', async () => {
    await inspect(modelDir);
    const card = page.getByTestId('model-summary');
    await card.waitFor();
    expect(await page.getByTestId('field-error').count()).toBe(0);
    expect(await card.getByTestId('model-architecture').textContent()).toBe('LlamaForCausalLM');
    const spec = async (id: string) => (await card.locator(`[data-spec="${id}"] dd`).textContent())?.replace(/,/g, '');
    expect(await spec('layers')).toBe(String(cfg.num_hidden_layers));
    expect(await spec('hidden')).toBe(String(cfg.hidden_size));
    expect(await spec('heads')).toBe(String(cfg.num_attention_heads));
    expect(await spec('kvHeads')).toMatch(new RegExp(`^${cfg.num_key_value_heads} `));
    expect(await spec('headDim')).toBe(String(Number(cfg.hidden_size) / Number(cfg.num_attention_heads)));
    expect(await spec('tied')).toBe(cfg.tie_word_embeddings ? 'Yes' : 'No');
    expect((await card.getByTestId('model-vocab').textContent())?.replace(/,/g, '')).toBe(String(cfg.vocab_size));
    expect((await card.getByTestId('model-context').textContent())?.replace(/,/g, '')).toBe(String(cfg.max_position_embeddings));
    expect(await card.getByTestId('model-dtype').textContent()).toBe('F32');
    // Parameters: embeddings + per layer (4 attention + 3 MLP projections + 2 norms) + final norm + untied lm_head.
    const H = Number(cfg.hidden_size);
    const I = Number(cfg.intermediate_size);
    const V = Number(cfg.vocab_size);
    const kv = Number(cfg.num_key_value_heads) * (H / Number(cfg.num_attention_heads));
    const perLayer = H * H * 2 + H * kv * 2 + 3 * H * I + 2 * H;
    const expected = V * H * (cfg.tie_word_embeddings ? 1 : 2) + Number(cfg.num_hidden_layers) * perLayer + H;
    expect((await card.locator('.stat', { hasText: 'Parameters' }).locator('.stat-sub').textContent())?.replace(/,/g, '')).toBe(String(expected));
    expect(await card.getByTestId('model-tokenizer').getAttribute('data-ok')).toBe('true');
    const tokCfg = JSON.parse(readFileSync(join(modelDir, 'tokenizer_config.json'), 'utf8'));
    expect(await card.getByTestId('model-chat-template').getAttribute('data-ok')).toBe(String(typeof tokCfg.chat_template === 'string'));
    expect(await card.getByTestId('model-chosen').textContent()).toContain('Model test');
    await screenshot(page, 'model-summary-dark');
  });

  it('remembers the model for the project across a reload and offers it in the Train step', async () => {
    await page.reload();
    const card = page.getByTestId('model-summary');
    await card.waitFor();
    expect(await pathInput().inputValue()).toBe(modelDir);
    expect(await card.getByTestId('model-architecture').textContent()).toBe('LlamaForCausalLM');

    await page.getByTestId('nav-train').click();
    await page.getByTestId('runs-empty').waitFor();
    await page.getByTestId('new-run-empty').click();
    await page.getByTestId('new-run-form').waitFor();
    expect(await page.getByTestId('run-model').inputValue()).toBe(modelDir);

    // Another project has its own (no) model.
    await createAndOpenProject(page, 'Second project');
    await page.getByTestId('nav-model').click();
    await page.getByTestId('model-empty').waitFor();
    expect(await pathInput().inputValue()).toBe('');
    // The first model is offered under "Recent".
    await page.getByRole('button', { name: modelDir.split('/').pop()! }).click();
    await page.getByTestId('model-summary').waitFor();
    expect(await pathInput().inputValue()).toBe(modelDir);
  });

  it('looks right in the light theme', async () => {
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('model-summary').waitFor();
    await screenshot(page, 'model-summary-light');
    await page.getByTestId('theme-toggle').click();
    expect(app.errors).toEqual([]);
  });
});
