// The built CLI (`node bin/lathe.js`, needs `npm run build`): model info, score (--ids/--text, --json, quant, adapter),
// generate (--json, --chat), and typed errors for bad options.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { openEngine } from '../../main/engine/engine';
import { tinyModel } from '../helpers/tiny-model';

const built = existsSync(join(process.cwd(), 'out', 'main', 'cli.js'));
function lathe(args: string[]) {
  return spawnSync(process.execPath, ['bin/lathe.js', ...args], { cwd: process.cwd(), encoding: 'utf8' });
}

describe.skipIf(!built)('lathe model/score/generate (skipped until `npm run build` has made out/main/cli.js)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tinyModel({ arch: 'qwen3', headDim: 32 });
  });

  test('model info --json', () => {
    const r = lathe(['model', 'info', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ modelType: 'qwen3', headDim: 32, layers: 2, hasTokenizer: true, hasChatTemplate: true, dtype: 'F32' });
    expect(info.parameters).toBeGreaterThan(0);
  });

  test('score --ids --json equals the engine; --text tokenizes; nf4 runs', async () => {
    const ids = [9707, 1879, 11, 419, 374, 9926, 383, 13];
    const r = lathe(['score', '--model', dir, '--ids', ids.join(','), '--json', '--threads', '2']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ids).toEqual(ids);
    const m = await openEngine({ threads: 2 }).loadModel(dir, { maxSeqLen: 16 });
    expect(out.logprobs).toEqual(Array.from(await m.logprobs(ids)));
    await m.close();
    const t = lathe(['score', '--model', dir, '--text', 'Hello world, this is Lathe', '--json']);
    expect(t.status, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).logprobs.length).toBe(JSON.parse(t.stdout).ids.length - 1);
    const q = lathe(['score', '--model', dir, '--ids', ids.join(','), '--quant', 'nf4', '--json']);
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).logprobs).not.toEqual(out.logprobs);
  });

  test('generate --json (greedy, chat) and option errors', () => {
    const r = lathe(['generate', '--model', dir, '--prompt', 'Hi', '--chat', '--max-tokens', '5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.tokens.length).toBeLessThanOrEqual(5);
    expect(typeof out.text).toBe('string');
    const bad = lathe(['score', '--model', dir, '--ids', '1,x', '--json']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--ids');
    const q = lathe(['score', '--model', dir, '--ids', '1,2', '--quant', 'q3']);
    expect(q.stderr).toContain('hint:');
    const missing = lathe(['score', '--model', join(dir, 'nope'), '--ids', '1,2']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('config.json');
  });

  test('--device: cpu scores like the default; a bad spelling and an absent device are clear errors', () => {
    const ids = ['9707', '1879', '11', '419'];
    const def = lathe(['score', '--model', dir, '--ids', ids.join(','), '--json']);
    const cpu = lathe(['score', '--model', dir, '--ids', ids.join(','), '--json', '--device', 'cpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(cpu.stdout).toBe(def.stdout);
    const gen = lathe(['generate', '--model', dir, '--prompt', 'Hi', '--max-tokens', '2', '--json', '--device', 'cpu']);
    expect(gen.status, gen.stderr).toBe(0);
    const bad = lathe(['score', '--model', dir, '--ids', '1,2', '--device', 'gpu']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--device must be auto, cpu, vulkan or vulkan:N');
    const absent = lathe(['generate', '--model', dir, '--prompt', 'Hi', '--device', 'vulkan:42']);
    expect(absent.status).not.toBe(0);
    // With the Vulkan backend built in: no such device; without it: the build has none. Either way it says so.
    expect(absent.stderr).toMatch(/Vulkan device 42 does not exist|has no Vulkan backend|no Vulkan/);
    const trainBad = lathe(['train', '--config', 'run.yaml', '--device', 'cuda']);
    expect(trainBad.stderr).toContain('--device must be auto, cpu, vulkan or vulkan:N');
    const trainResume = lathe(['train', '--resume', 'some-run', '--device', 'cpu']);
    expect(trainResume.stderr).toContain('--device applies to a new run');
  });
});
