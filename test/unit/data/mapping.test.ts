// Nested column mapping (message list, role/content keys, role values) and mappings read from LLaMA-Factory and Axolotl configs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFieldMap, parseFieldMap } from '../../../main/data/detect';
import { fromLlamaFactory, loadMappingFile } from '../../../main/data/mapping-import';
import { runPipeline } from '../../../main/data/pipeline';
import type { Example } from '../../../main/data/types';

const DIR = join(process.cwd(), 'test/fixtures/data2');

async function run(file: string, opts: Parameters<typeof runPipeline>[1]) {
  const examples: Example[] = [];
  const report = await runPipeline(join(DIR, file), { ...opts, onExample: (e) => void examples.push(e) });
  return { report, examples };
}

describe('message-level mapping', () => {
  it('renames the role and content keys and resolves role values, case-insensitively', () => {
    const map = parseFieldMap(['messages=chat', 'role=speaker', 'content=text', 'role.user=human', 'role.assistant=bot,gpt']);
    const row = applyFieldMap({ chat: [{ speaker: 'Human', text: 'a' }, { speaker: 'GPT', text: 'b', weight: 1 }] }, map);
    expect(row.messages).toEqual([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', weight: 1 }]);
  });

  it('rejects a mapping key it does not know, naming the accepted ones', () => {
    expect(() => parseFieldMap(['role.wizard=x'])).toThrow(/"role.wizard" is not a field Lathe knows/);
  });

  it('an Axolotl config maps a nested file end to end; the row with an unknown role is listed with line, field and fix', async () => {
    const { map, file } = await loadMappingFile(join(DIR, 'axolotl.yaml'));
    expect(file).toBe('nested.jsonl');
    const { report, examples } = await run('nested.jsonl', { map });
    expect(report.valid).toBe(1);
    expect(examples[0].messages).toEqual([
      { role: 'user', content: 'Name a prime.' },
      { role: 'assistant', content: 'Seven.', train: true },
      { role: 'user', content: 'Another?' },
      { role: 'assistant', content: 'Eleven.', train: false },
    ]);
    expect(report.invalid).toEqual([
      expect.objectContaining({ line: 2, field: 'chat[1].speaker', code: 'unknown_role', reason: expect.stringContaining('"narrator"') }),
    ]);
    expect(report.invalid[0].reason).toContain('--map role.assistant=narrator');
  });
});

describe('LLaMA-Factory dataset_info.json', () => {
  it('turns function_call/observation turns into tool calls and tool results, keeps tools and system, lists bad rows', async () => {
    const { map, format } = await loadMappingFile(join(DIR, 'dataset_info.json#weather_tools'));
    const { report, examples } = await run('llamafactory.jsonl', { map, format });
    expect(report.total).toBe(4);
    expect(report.valid).toBe(2);
    expect(examples[0].messages[1]).toEqual({ role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] });
    expect(examples[0].messages[2]).toEqual({ role: 'tool', content: '{"temp": 3}' });
    expect(examples[0].tools).toHaveLength(1);
    expect(examples[1].messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(report.invalid.map((i) => [i.line, i.field, i.code])).toEqual([
      [3, 'conversations[1].from', 'unknown_role'],
      [4, 'conversations[1].value', 'wrong_type'],
    ]);
    expect(report.invalid[1].reason).toContain('{"name": "...", "arguments": {...}}');
  });

  it('alpaca entries map prompt/query/response columns; a file with several entries needs a #name', async () => {
    expect(fromLlamaFactory({ columns: { prompt: 'q', response: 'a' } }, 'x')).toEqual({ map: { instruction: 'q', input: 'input', output: 'a' }, format: 'alpaca', file: undefined });
    await expect(loadMappingFile(join(DIR, 'dataset_info.json'))).rejects.toThrow(/has 2 datasets and no #name was given/);
    await expect(loadMappingFile(join(DIR, 'dataset_info.json#nope'))).rejects.toThrow(/has no dataset "nope"/);
  });
});

describe('the API accepts the same mapping keys', () => {
  it('message-level keys and role values pass the import schema; unknown keys do not', async () => {
    const { ImportArgs } = await import('../../../main/api/dataset-schemas');
    const base = { source: { path: '/data/x.jsonl' }, projectId: '00000000-0000-4000-8000-000000000000' };
    const ok = ImportArgs.safeParse({ ...base, map: { messages: 'chat', role: 'speaker', content: 'text', 'role.assistant': 'bot', tools: 'functions' } });
    expect(ok.success, JSON.stringify(ok.error?.issues)).toBe(true);
    expect(ImportArgs.safeParse({ ...base, map: { 'role.wizard': 'x' } }).success).toBe(false);
  });
});
